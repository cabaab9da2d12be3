import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// What the SQLite engine adds to the shared contract: a file that outlives the
/// process, and concurrent calls that share commits.
@Suite("SQLite store")
struct SQLiteQueueStoreTests {
    let lease = Duration.seconds(30)

    @Test("reopening the file keeps every message and its state")
    func reopenKeepsMessages() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("nested/deeper/queues.sqlite")
            let first = try await SQLiteQueueStore(path: path, clock: clock)
            let ids = try await (0..<3).asyncMap { index in
                try await first.send(Data("m\(index)".utf8), to: "jobs")
            }
            try await first.send(Data("later".utf8), to: "jobs", delay: .seconds(60))
            let leased = try #require(try await first.receive(from: "jobs", maxCount: 1, visibilityTimeout: lease).first)
            let failed = try #require(try await first.receive(from: "jobs", maxCount: 1, visibilityTimeout: lease).first)
            let failure = FailureRecord(attempt: 1, at: clock.now(), error: "boom")
            #expect(try await first.deadLetter(failed.token, to: "jobs-dlq", failure: failure) == .applied)
            await first.close()
            await #expect(throws: QueueStoreError.self) { try await first.stats(for: "jobs") }

            let second = try await SQLiteQueueStore(path: path, clock: clock)
            let stats = try await second.stats(for: "jobs")
            #expect(stats == QueueStats(visible: 1, delayed: 1, inFlight: 1, oldestEnqueuedAt: clock.now(), deadLettered: 1, scheduled: 1))
            #expect(try await second.queueNames() == ["jobs", "jobs-dlq"])
            let parked = try #require(try await second.peek("jobs-dlq", limit: 10).first)
            #expect(parked.id == ids[1])
            #expect(parked.failures == [failure])
            #expect(parked.deadLetter == DeadLetterInfo(sourceQueue: "jobs", receiveCount: 1, reason: "boom", at: clock.now()))
            // The lease taken before closing still settles after reopening.
            #expect(try await second.ack(leased.token) == .applied)
            let next = try #require(try await second.receive(from: "jobs", maxCount: 10, visibilityTimeout: lease).first)
            #expect(next.message.id == ids[2])
            await second.close()
        }
    }

    @Test("concurrent sends all land, sharing commits")
    func groupCommit() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let senders = 400
            let before = store.commitCount
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<senders {
                    group.addTask { try await store.send(Data("\(index)".utf8), to: "burst") }
                }
                try await group.waitForAll()
            }
            let commits = store.commitCount - before
            #expect(commits >= 1 && commits < senders, "\(senders) sends took \(commits) commits")
            #expect(try await store.stats(for: "burst").visible == senders)
            let bodies = try await store.peek("burst", limit: 1_000).map { String(decoding: $0.body, as: UTF8.self) }
            #expect(Set(bodies) == Set((0..<senders).map { "\($0)" }))
            await store.close()
        }
    }

    @Test("a failing send in a shared commit fails alone")
    func failingSendIsolated() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let taken = MessageID("taken")
            try await store.send([OutgoingMessage(body: Data(), id: taken)], to: "jobs")
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        // Every tenth send reuses an id and must fail without its neighbours.
                        let id = index % 10 == 0 ? taken : MessageID("m\(index)")
                        let messages = [OutgoingMessage(body: Data(), id: MessageID("x\(index)")), OutgoingMessage(body: Data(), id: id)]
                        do {
                            try await store.send(messages, to: "jobs")
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                var outcomes: [Bool] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.count { !$0 } == 5)
            #expect(try await store.stats(for: "jobs").visible == 1 + 45 * 2)
            let error = await #expect(throws: QueueStoreError.self) {
                try await store.send([OutgoingMessage(body: Data(), id: taken)], to: "jobs")
            }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.message.contains("taken") == true)
            await store.close()
        }
    }

    @Test("calls after close fail with a clear error; close twice is harmless")
    func closeTwice() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            await store.close()
            await store.close()
            let error = await #expect(throws: QueueStoreError.self) { try await store.send(Data(), to: "jobs") }
            #expect(error?.kind == .closed)
            await store.waitForMessages(on: "jobs", until: .distantFuture)
        }
    }

    @Test("synchronous full and extreme durations work")
    func fullSyncAndExtremes() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let options = SQLiteQueueStore.Options(synchronous: .full, busyTimeout: .milliseconds(100))
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: clock, options: options)
            try await store.send(Data("forever".utf8), to: "jobs", delay: .seconds(Int64.max / 4))
            let peeked = try #require(try await store.peek("jobs", limit: 1).first)
            guard case .delayed = peeked.state else {
                Issue.record("expected a delayed message, got \(peeked.state)")
                return
            }
            #expect(try await store.receive(from: "jobs", maxCount: 0, visibilityTimeout: lease).isEmpty)
            #expect(try await store.peek("jobs", limit: -1).isEmpty)
            #expect(try await store.redrive(from: "jobs", to: "x", limit: 0) == 0)
            await store.close()
        }
    }
}

extension Sequence {
    /// Maps each element with an async function, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
