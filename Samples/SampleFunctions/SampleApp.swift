import QueueFunctions

/// The sample application: every handler of `functions.json`, registered by name.
public enum SampleApp {
    /// The registry `SampleHost` runs, over `services`, writing the audit trail to `auditLog`.
    public static func registry(
        services: SampleServices, auditLog: AuditLogFile = .fromEnvironment(), thumbnails: ThumbnailStore = ThumbnailStore()
    ) -> FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("ImportProcessor") { ImportProcessor(services: services) }
        registry.register("OrderSubmitter") { OrderSubmitter(services: services) }
        registry.register("StockReserver") { StockReserver(services: services) }
        registry.register("PaymentAuthorizer") { PaymentAuthorizer(services: services) }
        registry.register("OrderFulfiller") { OrderFulfiller(services: services) }
        registry.register("OrderCanceller") { OrderCanceller(services: services) }
        registry.register("NotificationSender") { NotificationSender(services: services) }
        registry.register("AuditLogWriter") { AuditLogWriter(file: auditLog) }
        registry.register("ThumbnailResizer") { ThumbnailResizer(store: thumbnails) }
        return registry
    }
}
