import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// Deduplicated sends (HTTP idempotency keys), run against every engine that keeps keys.
@Suite("Store conformance: deduplicated sends")
struct DeduplicationConformanceTests {
    private func body(_ text: String) -> OutgoingMessage { OutgoingMessage(body: Data(text.utf8)) }

    private func deduplicating(_ engine: StoreEngine, _ clock: ManualClock) async throws -> any DeduplicatingQueueStore {
        let store = try await engine.make(clock)
        return try #require(store as? any DeduplicatingQueueStore, "\(engine) keeps no deduplication keys")
    }

    @Test("a key used again within its window stores nothing and names the original message", arguments: StoreEngine.all)
    func duplicateWithinWindow(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await deduplicating(engine, clock)
        let first = try await store.send(body("a"), to: "jobs", deduplicationKey: "POST /x k1", window: .seconds(60))
        let again = try await store.send(body("a again"), to: "jobs", deduplicationKey: "POST /x k1", window: .seconds(60))
        let other = try await store.send(body("b"), to: "jobs", deduplicationKey: "POST /x k2", window: .seconds(60))
        #expect(!first.isDuplicate && again.isDuplicate && !other.isDuplicate)
        #expect(again.id == first.id)
        let stored = try await store.peek("jobs", limit: 10)
        #expect(stored.map { String(decoding: $0.body, as: UTF8.self) } == ["a", "b"])
        await store.close()
    }

    @Test("after the window the key may be used again", arguments: StoreEngine.all)
    func keyExpires(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await deduplicating(engine, clock)
        let first = try await store.send(body("a"), to: "jobs", deduplicationKey: "k", window: .seconds(60))
        clock.advance(by: .seconds(59))
        #expect(try await store.send(body("x"), to: "jobs", deduplicationKey: "k", window: .seconds(60)).isDuplicate)
        clock.advance(by: .seconds(1))
        let later = try await store.send(body("b"), to: "jobs", deduplicationKey: "k", window: .seconds(60))
        #expect(!later.isDuplicate && later.id != first.id)
        #expect(try await store.stats(for: "jobs").visible == 2)
        await store.close()
    }

    @Test("concurrent sends with one key store one message, and all get its id", arguments: StoreEngine.all)
    func concurrentSendsStoreOne(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await deduplicating(engine, clock)
        let receipts = try await withThrowingTaskGroup(of: SendReceipt.self) { group in
            for index in 0..<20 {
                group.addTask { try await store.send(self.body("\(index)"), to: "jobs", deduplicationKey: "same", window: .seconds(60)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.id)).count == 1)
        #expect(receipts.count { !$0.isDuplicate } == 1)
        #expect(try await store.stats(for: "jobs").visible == 1)
        await store.close()
    }

    @Test("SQLite keeps the keys in its file: a restarted host still answers with the original id")
    func sqliteKeysSurviveARestart() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("queues.sqlite")
            let first = try await SQLiteQueueStore(path: path, clock: clock)
            let sent = try await first.send(body("a"), to: "jobs", deduplicationKey: "k", window: .seconds(3600))
            await first.close()
            let reopened = try await SQLiteQueueStore(path: path, clock: clock)
            let again = try await reopened.send(body("a"), to: "jobs", deduplicationKey: "k", window: .seconds(3600))
            #expect(again == SendReceipt(id: sent.id, isDuplicate: true))
            #expect(try await reopened.stats(for: "jobs").visible == 1)
            await reopened.close()
        }
    }
}
