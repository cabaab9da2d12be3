import Foundation
import Synchronization

/// The outside world of the samples, faked in process: object storage, a database
/// of completed imports, inventory, a payment gateway and a notification service.
///
/// Each can be switched to fail, so you can watch retries and the dead-letter queue:
/// `SAMPLE_FAIL=storage,payments,notifications` makes those services fail every call,
/// and `SAMPLE_NOTIFICATION_FAILURE_RATE=0.3` makes the notification service fail
/// that fraction of calls (it is "sometimes down").
public final class SampleServices: Sendable {
    /// An error from a fake service being down.
    public struct Unavailable: Error, CustomStringConvertible {
        /// Which service failed.
        public var service: String
        /// Says which service is down.
        public var description: String { "\(service) is unavailable (503)" }
    }

    struct State {
        var objects: [String: String]
        var completedImports: [String: Int] = [:]
        var importRuns: [String: Int] = [:]
        var stock: [String: Int]
        var reservations: [String: [String: Int]] = [:]
        var orders: [String: String] = [:]
        var sentNotifications: [String] = []
        var down: Set<String>
        var notificationFailureRate: Double
        var random: UInt64
    }

    let state: Mutex<State>

    /// Creates the fakes with sample data.
    ///
    /// - Parameters:
    ///   - down: Services that fail every call: `storage`, `payments`, `notifications`.
    ///   - notificationFailureRate: The fraction of notification calls that fail.
    ///   - seed: Seeds the notification service's failures.
    public init(down: Set<String> = [], notificationFailureRate: Double = 0, seed: UInt64 = 42) {
        state = Mutex(State(
            objects: [
                "imports/customers.csv": "id,name\n1,Ada\n2,Grace\n3,Linus\n",
                "imports/products.csv": "sku,title\nA1,Kettle\nB2,Teapot\n",
            ],
            stock: ["kettle": 25, "teapot": 10, "mug": 100],
            down: down,
            notificationFailureRate: notificationFailureRate,
            random: seed
        ))
    }

    /// The fakes configured from `SAMPLE_FAIL` and `SAMPLE_NOTIFICATION_FAILURE_RATE`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SampleServices {
        let down = Set((environment["SAMPLE_FAIL"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }.filter { !$0.isEmpty })
        let rate = Double(environment["SAMPLE_NOTIFICATION_FAILURE_RATE"] ?? "") ?? 0.2
        return SampleServices(down: down, notificationFailureRate: rate)
    }

    /// Switches a service on (`up: true`) or off.
    public func setService(_ name: String, up: Bool) {
        state.withLock { state in
            if up { state.down.remove(name) } else { state.down.insert(name) }
        }
    }

    /// Sets the fraction of notification calls that fail.
    public func setNotificationFailureRate(_ rate: Double) {
        state.withLock { $0.notificationFailureRate = rate }
    }

    func check(_ service: String) throws {
        if state.withLock({ $0.down.contains(service) }) { throw Unavailable(service: service) }
    }

    // MARK: - Object storage and the imports table

    /// Reads an object; nil when it does not exist.
    func readObject(_ name: String) throws -> String? {
        try check("storage")
        return state.withLock { $0.objects[name] }
    }

    /// Stores an object (tests and demos upload files with it).
    public func putObject(_ name: String, contents: String) {
        state.withLock { $0.objects[name] = contents }
    }

    /// Whether the import has completed.
    func isImportComplete(_ importID: String) -> Bool {
        state.withLock { $0.completedImports[importID] != nil }
    }

    /// Records a completed import and how many rows it wrote.
    func completeImport(_ importID: String, rows: Int) {
        state.withLock { state in
            state.completedImports[importID] = rows
            state.importRuns[importID, default: 0] += 1
        }
    }

    /// How many times each import actually ran (it must be once, whatever the redeliveries).
    public var importRuns: [String: Int] { state.withLock { $0.importRuns } }

    /// Rows written per completed import.
    public var completedImports: [String: Int] { state.withLock { $0.completedImports } }

    // MARK: - Inventory, payments, orders

    /// Reserves stock for an order once; a repeated reservation for the same order changes nothing.
    func reserve(orderID: String, items: [String: Int]) -> Bool {
        state.withLock { state in
            if state.reservations[orderID] != nil { return true }
            for (sku, quantity) in items where (state.stock[sku] ?? 0) < quantity { return false }
            for (sku, quantity) in items { state.stock[sku, default: 0] -= quantity }
            state.reservations[orderID] = items
            return true
        }
    }

    /// Gives back an order's reserved stock.
    func releaseReservation(orderID: String) {
        state.withLock { state in
            guard let items = state.reservations.removeValue(forKey: orderID) else { return }
            for (sku, quantity) in items { state.stock[sku, default: 0] += quantity }
        }
    }

    /// Asks the payment gateway; amounts over 1,000 are declined.
    func authorize(amount: Double) throws -> Bool {
        try check("payments")
        return amount <= 1_000
    }

    /// Sets an order's status.
    func setOrderStatus(_ orderID: String, _ status: String) {
        state.withLock { $0.orders[orderID] = status }
    }

    /// Every order's status.
    public var orderStatuses: [String: String] { state.withLock { $0.orders } }

    /// Units in stock per SKU.
    public var stock: [String: Int] { state.withLock { $0.stock } }

    // MARK: - Notifications

    /// Delivers a notification, failing when the service is down or (randomly) at the failure rate.
    func notify(_ text: String) throws {
        try check("notifications")
        let fails: Bool = state.withLock { state in
            state.random = state.random &* 6364136223846793005 &+ 1442695040888963407
            let unit = Double(state.random >> 11) / Double(1 << 53)
            return unit < state.notificationFailureRate
        }
        if fails { throw Unavailable(service: "notifications") }
        state.withLock { $0.sentNotifications.append(text) }
    }

    /// Notifications delivered so far.
    public var sentNotifications: [String] { state.withLock { $0.sentNotifications } }
}
