import Foundation
import QueueFunctions

/// An invoice job: bill an order once.
public struct InvoiceJob: Codable, Sendable {
    /// The order to bill; a redelivered or re-sent job has the same id.
    public var orderID: String
    /// The amount, in cents.
    public var amountCents: Int

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case amountCents = "amount_cents"
    }

    /// Creates a job.
    public init(orderID: String, amountCents: Int) {
        self.orderID = orderID
        self.amountCents = amountCents
    }
}

/// `generate-invoice`: creates the order's invoice with the billing API, then files it in
/// the ledger. The seed's problem, solved by configuration:
///
/// - `context.once(key:)` creates the invoice at most once per order, across
///   redeliveries, hosts and restarts; a redelivery files the invoice of the first run.
/// - The `billing-api` dependency in `functions.json` keeps every function that calls the
///   API under its rate and concurrency, before messages are received.
/// - An outage (503) is reported as ``DependencyUnavailable``: the breaker opens, the
///   function stops receiving until a probe succeeds, and nothing is dead-lettered.
public struct InvoiceGenerator: MessageFunction {
    /// Invoice jobs arrive as JSON.
    public typealias Message = InvoiceJob
    let billing: BillingAPI

    /// Creates the function over the billing API.
    public init(billing: BillingAPI) {
        self.billing = billing
    }

    /// Bills one order.
    public func handle(_ job: InvoiceJob, metadata: MessageMetadata, context: FunctionContext) async throws {
        let billing = billing
        let invoice = try await context.once(key: "invoice-\(job.orderID)") { () async throws -> BillingAPI.Invoice in
            do {
                return try billing.createInvoice(orderID: job.orderID, amountCents: job.amountCents, at: context.clock.now())
            } catch BillingAPI.Failure.unavailable {
                throw DependencyUnavailable("billing-api", retryAfter: .seconds(5), reason: "the billing API answered 503")
            } catch BillingAPI.Failure.rateLimited {
                throw MessageFailure.retry(after: .seconds(1), reason: "the billing API answered 429")
            }
        }
        try billing.file(invoice)
        context.logger.info("invoice filed", [("order_id", job.orderID), ("invoice", invoice.number)])
    }
}
