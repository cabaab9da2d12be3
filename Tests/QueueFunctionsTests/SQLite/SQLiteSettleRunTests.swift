import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// The SQLite engine settles a batch's acks with a few statements by row id (the token's
/// ``LeaseToken/engineKey``) and leases a receive with one UPDATE per 32 rows. These pin
/// what a user sees: each token's result is exactly what acking one by one would give.
@Suite("SQLite settle runs")
struct SQLiteSettleRunTests {
    let lease = Duration.seconds(30)

    private func open(_ directory: TemporaryDirectory, _ clock: ManualClock) async throws -> SQLiteQueueStore {
        try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: clock)
    }

    @Test("one settle call of acks: current ones apply once, repeats, stale and foreign tokens do not")
    func mixedAckRun() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let store = try await open(directory, clock)
            try await store.send((0..<5).map { OutgoingMessage(body: Data("m\($0)".utf8)) }, to: "jobs")
            try await store.send([
                OutgoingMessage(body: Data("g1".utf8), groupID: "g"), OutgoingMessage(body: Data("g2".utf8), groupID: "g"),
            ], to: "jobs")
            let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: lease)
            // The five plain messages and the head of group g; g2 waits behind g1.
            #expect(leases.count == 6)
            #expect(leases.allSatisfy { $0.token.engineKey != 0 })
            let tokens = leases.map(\.token)
            let grouped = try #require(leases.first { $0.message.groupID == "g" }?.token)
            let plain = tokens.filter { $0 != grouped }
            // Another message's row id with this message's receipt: must not delete either.
            var foreign = plain[3]
            foreign.engineKey = plain[4].engineKey
            // A token without the engine's key: found by its text id.
            var unkeyed = plain[2]
            unkeyed.engineKey = 0
            var wrongReceipt = plain[1]
            wrongReceipt.receipt &+= 1
            let settlements = [plain[0], plain[0], wrongReceipt, plain[1], grouped, foreign, unkeyed, plain[4]]
                .map { Settlement($0, .ack) }
            let results = try await store.settle(settlements)
            #expect(results == [.applied, .staleLease, .staleLease, .applied, .applied, .staleLease, .applied, .applied])
            // plain[3] is still in flight; g2 was released by acking g1.
            let stats = try await store.stats(for: "jobs")
            #expect(stats.inFlight == 1 && stats.visible == 1)
            #expect(try await store.ack(plain[3]) == .applied)
            let next = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: lease)
            #expect(next.map { String(decoding: $0.message.body, as: UTF8.self) } == ["g2"])
            #expect(try await store.settle(tokens.map { Settlement($0, .ack) }).allSatisfy { $0 == .staleLease })
            await store.close()
        }
    }

    @Test("a receive and a settle of more than 32 messages lease and ack every one, in order")
    func longRuns() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let store = try await open(directory, clock)
            let count = 75
            let ids = try await (0..<count).asyncMap { try await store.send(Data("\($0)".utf8), to: "jobs") }
            let leases = try await store.receive(from: "jobs", maxCount: 100, visibilityTimeout: lease)
            #expect(leases.map(\.message.id) == ids)
            #expect(leases.allSatisfy { $0.message.receiveCount == 1 && $0.message.firstReceivedAt == clock.now() })
            #expect(Set(leases.map(\.token.receipt)).count == count)
            #expect(try await store.stats(for: "jobs").inFlight == count)
            let results = try await store.settle(leases.map { Settlement($0.token, .ack) })
            #expect(results == Array(repeating: .applied, count: count))
            #expect(try await store.stats(for: "jobs") == QueueStats())
            await store.close()
        }
    }

    @Test("an abandoned message goes to the front and a retried one to the back, with priorities mixed")
    func frontAndBackWithPriorities() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let store = try await open(directory, clock)
            try await store.send(["a0", "b0", "c5", "d5", "e0"].map {
                OutgoingMessage(body: Data($0.utf8), priority: Int(String($0.last ?? "0")) ?? 0)
            }, to: "jobs")
            let first = try await store.receive(from: "jobs", maxCount: 3, visibilityTimeout: lease)
            let bodies = first.map { String(decoding: $0.message.body, as: UTF8.self) }
            #expect(bodies == ["c5", "d5", "a0"])
            let failure = FailureRecord(attempt: 1, at: clock.now(), error: "again")
            let results = try await store.settle([
                Settlement(first[2].token, .abandon), Settlement(first[0].token, .retry(after: .zero, failure: failure)),
            ])
            #expect(results == [.applied, .applied])
            let rest = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: lease)
            #expect(rest.map { String(decoding: $0.message.body, as: UTF8.self) } == ["c5", "a0", "b0", "e0"])
            // The lease lapses: d5 comes back behind every visible message of its priority.
            try await store.send([OutgoingMessage(body: Data("f5".utf8), priority: 5)], to: "jobs")
            clock.advance(by: lease + .seconds(1))
            let again = try await store.receive(from: "jobs", maxCount: 2, visibilityTimeout: lease)
            #expect(again.map { String(decoding: $0.message.body, as: UTF8.self) }.first == "f5")
            await store.close()
        }
    }
}
