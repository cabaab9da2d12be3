import Foundation
import QueueFunctions

/// The sample application: every handler of `functions.json`, registered by name.
public enum SampleApp {
    /// Thrown by every handler factory when `SAMPLE_FACTORY_FAIL=1`: a handler that cannot
    /// start, to watch the host back off without spinning and show it in `status`.
    public struct StartupFailure: Error, CustomStringConvertible {
        /// The handler that could not start.
        public var handler: String
        /// What went wrong and how to fix it.
        public var description: String {
            "\(handler) cannot start: SAMPLE_FACTORY_FAIL=1 makes every sample handler factory throw; unset it to start them"
        }
    }

    /// The registry `SampleHost` runs, over `services`, writing the audit trail to `auditLog`,
    /// billing orders with `billing`.
    ///
    /// - Parameter factoriesFail: Makes every handler factory throw ``StartupFailure``;
    ///   by default set by the environment variable `SAMPLE_FACTORY_FAIL=1`.
    public static func registry(
        services: SampleServices, auditLog: AuditLogFile = .fromEnvironment(), thumbnails: ThumbnailStore = ThumbnailStore(),
        billing: BillingAPI = .fromEnvironment(), factoriesFail: Bool = ProcessInfo.processInfo.environment["SAMPLE_FACTORY_FAIL"] == "1"
    ) -> FunctionRegistry {
        var registry = FunctionRegistry()
        func add<Function: QueueFunction>(_ name: String, _ make: @escaping @Sendable () -> Function) {
            registry.register(name) { () throws -> Function in
                if factoriesFail { throw StartupFailure(handler: name) }
                return make()
            }
        }
        add("ImportProcessor") { ImportProcessor(services: services) }
        add("OrderSubmitter") { OrderSubmitter(services: services) }
        add("OrderAcknowledger") { OrderAcknowledger() }
        add("StockReserver") { StockReserver(services: services) }
        add("PaymentAuthorizer") { PaymentAuthorizer(services: services) }
        add("OrderFulfiller") { OrderFulfiller(services: services) }
        add("OrderCanceller") { OrderCanceller(services: services) }
        add("NotificationSender") { NotificationSender(services: services) }
        add("AuditLogWriter") { AuditLogWriter(file: auditLog) }
        add("ThumbnailResizer") { ThumbnailResizer(store: thumbnails) }
        add("InvoiceGenerator") { InvoiceGenerator(billing: billing) }
        return registry
    }
}
