import Foundation
import Testing
@testable import QueueFunctions

/// Every engine answers a bad batch the same way: refused whole, nothing stored.
@Suite("Store conformance: bad batches")
struct StoreBadBatchConformanceTests {
    @Test("a send with the same id twice is refused, naming the id, and stores nothing", arguments: StoreEngine.all)
    func duplicateIDsInOneSend(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let id = MessageID("dup-1")
        let batch = [
            OutgoingMessage(body: Data("a".utf8), id: MessageID("first")),
            OutgoingMessage(body: Data("b".utf8), id: id),
            OutgoingMessage(body: Data("c".utf8), id: id),
        ]
        let error = await #expect(throws: QueueStoreError.self) { try await store.send(batch, to: "jobs") }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("dup-1") == true)
        #expect(error?.message.contains("more than once") == true)
        let stats = try await store.stats(for: "jobs")
        #expect(stats.total == 0)

        // The store still works, and counts settle back to zero.
        try await store.send([OutgoingMessage(body: Data("b".utf8), id: id)], to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map(\.message.id) == [id])
        for lease in leases { #expect(try await store.ack(lease.token) == .applied) }
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }
}
