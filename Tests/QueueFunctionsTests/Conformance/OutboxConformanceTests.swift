import Foundation
import Testing
@testable import QueueFunctions

/// The transactional outbox: a batch's sends commit with its acks, on every engine.
@Suite("Store conformance: transactional outbox")
struct OutboxConformanceTests {
    private func outboxStore(_ engine: StoreEngine, _ clock: ManualClock) async throws -> any TransactionalOutboxStore {
        let store = try await engine.make(clock)
        return try #require(store as? any TransactionalOutboxStore, "\(engine) has no transactional outbox")
    }

    private func fanOut(_ count: Int) -> [QueuedMessage] {
        (0..<count).map { QueuedMessage(queue: "fan-out", message: OutgoingMessage(body: Data("f\($0)".utf8))) }
    }

    @Test("acks and the outbox commit together, and the next batch is leased in the same step", arguments: StoreEngine.all)
    func outboxCommitsWithTheAcks(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await outboxStore(engine, clock)
        for index in 0..<4 { try await store.send(Data("m\(index)".utf8), to: "jobs") }
        let batch = try await store.receive(from: "jobs", maxCount: 2, visibilityTimeout: .seconds(30))
        let outcome = try await store.settle(
            batch.map { Settlement($0.token, .ack) }, outbox: fanOut(3), thenReceiveFrom: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)
        )
        #expect(outcome.results == [.applied, .applied] && outcome.outboxStored)
        #expect(outcome.leases.map { String(decoding: $0.message.body, as: UTF8.self) } == ["m2", "m3"])
        let fanned = try await store.peek("fan-out", limit: 10)
        #expect(fanned.map { String(decoding: $0.body, as: UTF8.self) } == ["f0", "f1", "f2"])
        await store.close()
    }

    @Test("a stale ack keeps the outbox out: the redelivery sends it, so nobody sees it twice", arguments: StoreEngine.all)
    func staleAckStoresNothing(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await outboxStore(engine, clock)
        try await store.send(Data("m".utf8), to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        clock.advance(by: .seconds(31))
        let second = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        #expect(second.count == 1)
        let stale = try await store.settle(
            first.map { Settlement($0.token, .ack) }, outbox: fanOut(2), thenReceiveFrom: "jobs", maxCount: 0, visibilityTimeout: .seconds(30)
        )
        #expect(stale.results == [.staleLease] && !stale.outboxStored)
        #expect(try await store.stats(for: "fan-out").total == 0)
        let current = try await store.settle(
            second.map { Settlement($0.token, .ack) }, outbox: fanOut(2), thenReceiveFrom: "jobs", maxCount: 0, visibilityTimeout: .seconds(30)
        )
        #expect(current.outboxStored)
        #expect(try await store.stats(for: "fan-out").visible == 2)
        await store.close()
    }

    @Test("one stale lease in a batch with an outbox applies none of it: the whole batch comes again and sends once", arguments: StoreEngine.all)
    func batchIsAllOrNothing(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await outboxStore(engine, clock)
        try await store.send(Data("a".utf8), to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(10))
        clock.advance(by: .seconds(5))
        try await store.send(Data("b".utf8), to: "jobs")
        let second = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(60))
        clock.advance(by: .seconds(6))
        // "a"'s lease lapsed and another consumer took it; "b"'s is current. Settling both
        // with an outbox applies neither.
        let again = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(60))
        #expect(again.map(\.message.id) == first.map(\.message.id))
        let outcome = try await store.settle(
            (first + second).map { Settlement($0.token, .ack) }, outbox: fanOut(2), thenReceiveFrom: "jobs", maxCount: 10,
            visibilityTimeout: .seconds(30)
        )
        #expect(outcome.results == [.staleLease, .staleLease] && !outcome.outboxStored && outcome.leases.isEmpty)
        #expect(try await store.stats(for: "fan-out").total == 0)
        let stats = try await store.stats(for: "jobs")
        #expect(stats.total == 2, "neither message was acked: \(stats)")
        await store.close()
    }
}
