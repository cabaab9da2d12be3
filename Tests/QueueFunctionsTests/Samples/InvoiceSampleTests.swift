import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting
import SampleFunctions

/// The seed's invoice story, run from the root `functions.json` on a manual clock:
/// redeliveries, a burst over the billing API's rate, and a 10 s outage.
@Suite("Sample: generate-invoice")
struct InvoiceSampleTests {
    @Test("no duplicate invoice, never over the API's rate, and an empty DLQ after a 10 s outage")
    func invoiceStory() async throws {
        let billing = BillingAPI(ratePerSecond: 20)
        let registry = SampleApp.registry(services: SampleServices(), billing: billing, factoriesFail: false)
        let loaded = try ManifestLoader.load(contentsOf: RepositoryPaths.manifest, registeredHandlers: Set(registry.names))
        #expect(loaded.manifest.dependencies.first?.rate == DependencyRate(count: 20, per: .seconds(1)))
        let host = try TestHost(manifest: loaded.manifest, registry: registry)
        let orders = (1...60).map { "order-\($0)" }
        // Every third order's ledger filing fails once: its message is delivered again.
        billing.failLedgerOnce(for: orders.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        for order in orders { try await host.send(InvoiceJob(orderID: order, amountCents: 1_999), to: "invoice-jobs") }
        // A producer retry sends ten orders twice.
        for order in orders.prefix(10) { try await host.send(InvoiceJob(orderID: order, amountCents: 1_999), to: "invoice-jobs") }

        await host.drive(for: .seconds(1))
        billing.isDown = true
        await host.drive(for: .seconds(10))
        let callsDuringOutage = billing.unavailableCalls
        billing.isDown = false
        await host.drive(for: .seconds(12))

        #expect(billing.duplicateInvoices == 0, "\(billing.duplicateInvoices) duplicate invoice(s)")
        #expect(Set(billing.invoices.map(\.orderID)) == Set(orders), "\(billing.invoices.count) invoices for 60 orders")
        #expect(billing.ledger.count == 60)
        #expect(billing.rateLimitedCalls == 0, "\(billing.rateLimitedCalls) call(s) over the API's rate")
        #expect(billing.highestRate <= 20, "highest rate \(billing.highestRate)/s; the API allows 20/s")
        // The outage: calls that hit it are the in-flight ones, then one probe each 5 s.
        #expect(callsDuringOutage <= 4 + 3, "\(callsDuringOutage) calls during the outage")
        #expect(try await host.deadLetters(of: "invoice-jobs").isEmpty)
        #expect(try await host.stats("invoice-jobs").total == 0)
        await host.shutdown()
    }
}
