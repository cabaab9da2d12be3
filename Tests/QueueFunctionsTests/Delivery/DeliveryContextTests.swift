import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// `context.send(…, at:, priority:, group:, deduplicationID:, attributes:)` from a handler.
@Suite("Delivery options: context.send")
struct DeliveryContextTests {
    struct Forwarder: MessageFunction {
        typealias Message = Job
        let at: Date

        func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
            try await context.send(message, to: "later", at: at, priority: 8, attributes: ["source": "forwarder"])
            try await context.send(message, to: "ordered", group: "g\(message.number % 2)", deduplicationID: "n\(message.number)")
            try await context.send(message, to: "ordered", group: "g\(message.number % 2)", deduplicationID: "n\(message.number)")
        }
    }

    @Test("a handler schedules with attributes and priority through the outbox, and FIFO sends are deduplicated")
    func contextSendOptions() async throws {
        let clock = ManualClock()
        let at = clock.now().addingTimeInterval(86_400)
        var ordered = QueueConfig(name: "ordered")
        ordered.delivery = QueueDelivery(fifo: true)
        let manifest = Manifest(
            queues: [QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq"), QueueConfig(name: "jobs-dlq"),
                     QueueConfig(name: "later"), ordered],
            functions: [FunctionConfig(name: "forward", handler: "Forwarder", trigger: TriggerConfig(queue: "jobs"))]
        )
        var registry = FunctionRegistry()
        registry.register("Forwarder", Forwarder(at: at))
        let host = try TestHost(manifest: manifest, registry: registry, clock: clock, logLevel: .warning)
        for number in 1...3 { try await host.send(Job(number: number), to: "jobs") }
        try await host.settle()
        let later = try await host.store.peek("later", limit: 10)
        #expect(later.count == 3)
        #expect(later.allSatisfy { $0.attributes == ["source": "forwarder"] && $0.priority == 8 && $0.state == .delayed(until: at) })
        #expect(try await host.stats("later").scheduled == 3)
        let fifo = try await host.store.peek("ordered", limit: 10)
        #expect(fifo.map(\.groupID) == ["g1", "g0", "g1"])
        await host.shutdown()
    }
}
