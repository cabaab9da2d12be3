import Foundation
import Synchronization

/// A fake billing API, the downstream service of `generate-invoice`: it creates a new
/// invoice on **every** call (it is not idempotent, like many real ones), allows at most
/// `ratePerSecond` calls in any one-second window (more are refused with 429), and has an
/// outage switch (503 while down). `SAMPLE_FAIL=billing` starts it down.
public final class BillingAPI: Sendable {
    /// An invoice the API created.
    public struct Invoice: Codable, Sendable, Equatable {
        /// The invoice number (`INV-000001`).
        public var number: String
        /// The order it bills.
        public var orderID: String
        /// The amount, in cents.
        public var amountCents: Int
    }

    /// Why a call was refused.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The API is down (503).
        case unavailable
        /// The caller went over the rate limit (429).
        case rateLimited

        /// The HTTP-style answer.
        public var description: String {
            switch self {
            case .unavailable: "billing API unavailable (503)"
            case .rateLimited: "billing API rate limit exceeded (429)"
            }
        }
    }

    private struct State {
        var down: Bool
        var invoices: [Invoice] = []
        var accepted: [Date] = []
        var created: [Date] = []
        var rateLimited = 0
        var unavailableCalls = 0
        var ledger: [String: String] = [:]
        var ledgerFailuresLeft: [String: Int] = [:]
    }

    /// The most calls the API accepts in any one-second window.
    public let ratePerSecond: Int
    private let state: Mutex<State>

    /// Creates the API, up unless `down`.
    public init(ratePerSecond: Int = 20, down: Bool = false) {
        self.ratePerSecond = ratePerSecond
        state = Mutex(State(down: down))
    }

    /// The API configured from `SAMPLE_FAIL` (down when it lists `billing`).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> BillingAPI {
        let down = (environment["SAMPLE_FAIL"] ?? "").split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "billing" }
        return BillingAPI(down: down)
    }

    /// Switches the outage on or off.
    public var isDown: Bool {
        get { state.withLock { $0.down } }
        set { state.withLock { $0.down = newValue } }
    }

    /// Creates an invoice for `orderID` at `time`: a new one on every call.
    ///
    /// - Throws: ``Failure/unavailable`` while down; ``Failure/rateLimited`` over the rate.
    public func createInvoice(orderID: String, amountCents: Int, at time: Date) throws(Failure) -> Invoice {
        try state.withLock { state throws(Failure) in
            if state.down {
                state.unavailableCalls += 1
                throw .unavailable
            }
            let windowStart = time.addingTimeInterval(-1)
            state.accepted.removeAll { $0 <= windowStart }
            guard state.accepted.count < ratePerSecond else {
                state.rateLimited += 1
                throw .rateLimited
            }
            state.accepted.append(time)
            state.created.append(time)
            let invoice = Invoice(number: String(format: "INV-%06d", state.invoices.count + 1), orderID: orderID, amountCents: amountCents)
            state.invoices.append(invoice)
            return invoice
        }
    }

    /// Files `invoice` in the accounting ledger; an order listed by ``failLedgerOnce(for:)``
    /// fails its first filing (so its message is delivered again).
    public func file(_ invoice: Invoice) throws {
        struct LedgerUnavailable: Error, CustomStringConvertible {
            var description: String { "the ledger timed out; the invoice is filed on the next delivery" }
        }
        try state.withLock { state in
            if let left = state.ledgerFailuresLeft[invoice.orderID], left > 0 {
                state.ledgerFailuresLeft[invoice.orderID] = left - 1
                throw LedgerUnavailable()
            }
            state.ledger[invoice.orderID] = invoice.number
        }
    }

    /// Makes the first ledger filing of each of `orders` fail.
    public func failLedgerOnce(for orders: [String]) {
        state.withLock { state in for order in orders { state.ledgerFailuresLeft[order] = 1 } }
    }

    /// Every invoice created, in order.
    public var invoices: [Invoice] { state.withLock { $0.invoices } }
    /// The invoice number filed per order.
    public var ledger: [String: String] { state.withLock { $0.ledger } }
    /// Calls refused for going over the rate.
    public var rateLimitedCalls: Int { state.withLock { $0.rateLimited } }
    /// Calls refused while down.
    public var unavailableCalls: Int { state.withLock { $0.unavailableCalls } }

    /// Orders with more than one invoice: what retries without idempotency would create.
    public var duplicateInvoices: Int {
        Dictionary(grouping: invoices, by: \.orderID).values.reduce(0) { $0 + max(0, $1.count - 1) }
    }

    /// The most invoices created within any one-second window: the highest rate observed.
    public var highestRate: Int {
        let times = state.withLock { $0.created }
        return times.map { start in times.count { $0 >= start && $0 < start.addingTimeInterval(1) } }.max() ?? 0
    }
}
