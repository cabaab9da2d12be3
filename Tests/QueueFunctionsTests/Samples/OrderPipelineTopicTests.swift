import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting
import SampleFunctions

/// The sample order pipeline fans "order placed" out through the `order-events` topic.
@Suite("Sample order pipeline on a topic")
struct OrderPipelineTopicTests {
    @Test("every subscriber handles each order once; an order without an email address is filtered out of the acknowledgement")
    func eachSubscriberHandlesEachOrderOnce() async throws {
        let services = SampleServices()
        let directory = try RepositoryPaths.temporaryDirectory("pipeline")
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = SampleApp.registry(services: services, auditLog: AuditLogFile(path: directory.appendingPathComponent("audit.log").path))
        let loaded = try ManifestLoader.load(contentsOf: RepositoryPaths.manifest, registeredHandlers: Set(registry.names))
        let topic = try #require(loaded.manifest.topic(named: OrderQueues.orderEvents))
        #expect(topic.subscriptions.map(\.queue) == [OrderQueues.stock, OrderQueues.payments, OrderQueues.orderNotifications])
        let host = try TestHost(manifest: loaded.manifest, registry: registry)

        let orders = [
            Order(orderID: "o-1", items: ["mug": 1], amount: 8, email: "ada@example.com"),
            Order(orderID: "o-2", items: ["mug": 2], amount: 16, email: "grace@example.com"),
            Order(orderID: "o-3", items: ["mug": 3], amount: 24, email: ""),
        ]
        for order in orders { try await host.send(order, to: "orders") }
        try await host.settle()

        #expect(host.metrics("submit-order").succeeded == 3)
        #expect(host.metrics("reserve-stock").succeeded == 3, "stock handles each order once")
        #expect(host.metrics("authorize-payment").succeeded == 3, "payment handles each order once")
        #expect(host.metrics("acknowledge-order").succeeded == 2, "the order without an email address is filtered out")
        #expect(services.stock["mug"] == 100 - 6, "each order's stock is reserved once")
        #expect(services.orderStatuses == ["o-1": "confirmed", "o-2": "confirmed", "o-3": "confirmed"])
        let received = services.sentNotifications.filter { $0.contains("We received order") }.sorted()
        #expect(received == ["ada@example.com: We received order o-1.", "grace@example.com: We received order o-2."])
        for queue in [OrderQueues.stock, OrderQueues.payments, OrderQueues.orderNotifications] {
            #expect(try await host.stats(queue).total == 0, "\(queue) is drained")
            #expect(try await host.deadLetters(of: queue).isEmpty)
        }
        await host.shutdown()
    }
}
