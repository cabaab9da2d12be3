import Dispatch
import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// Group commit of concurrent sends: calls that arrive while a transaction runs share
/// the next one; each caller returns only once its messages are durable, and a failed
/// commit fails every caller of that transaction.
@Suite("SQLite group commit")
struct SQLiteGroupCommitTests {
    @Test("sends that arrive during a transaction all commit in the next one")
    func sendsShareOneTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let gate = try await WorkerGate.hold(store.worker)
            let commitsBefore = store.commitCount
            let sends = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<8 {
                        group.addTask { try await store.send(Data("m\(index)".utf8), to: index % 2 == 0 ? "even" : "odd") }
                    }
                    try await group.waitForAll()
                }
            }
            try await gate.waitForPending(8)
            gate.release()
            try await sends.value
            // The held transaction, then one transaction for all eight sends.
            #expect(store.commitCount - commitsBefore == 2)
            #expect(try await store.stats(for: "even").visible == 4)
            #expect(try await store.stats(for: "odd").visible == 4)
            let bodies = try await store.peek("even", limit: 10).map { String(decoding: $0.body, as: UTF8.self) }
            #expect(Set(bodies) == ["m0", "m2", "m4", "m6"])
            await store.close()
        }
    }

    @Test("a failed group commit fails every caller, and none of their messages is kept")
    func failedCommitFailsEveryCaller() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            store.worker.beforeCommit.withLock { hook in
                hook = { jobs in
                    if jobs > 1 { throw QueueStoreError(.unusableLocation, "injected commit failure") }
                }
            }
            let gate = try await WorkerGate.hold(store.worker)
            let outcomes = Task {
                await withTaskGroup(of: Bool.self) { group in
                    for index in 0..<6 {
                        group.addTask {
                            do {
                                try await store.send(Data("m\(index)".utf8), to: "jobs")
                                return true
                            } catch {
                                return false
                            }
                        }
                    }
                    var accepted: [Bool] = []
                    for await outcome in group { accepted.append(outcome) }
                    return accepted
                }
            }
            try await gate.waitForPending(6)
            gate.release()
            #expect(await outcomes.value == Array(repeating: false, count: 6))
            #expect(try await store.stats(for: "jobs").visible == 0)
            // The store goes on: the next send, alone in its transaction, commits.
            try await store.send(Data("after".utf8), to: "jobs")
            #expect(try await store.peek("jobs", limit: 10).map(\.body) == [Data("after".utf8)])
            await store.close()
        }
    }

    @Test("in a merged run of sends, an id already in use fails only its own call")
    func mergedRunIsolatesFailure() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let taken = MessageID("taken")
            try await store.send([OutgoingMessage(body: Data(), id: taken)], to: "jobs")
            let gate = try await WorkerGate.hold(store.worker)
            let commitsBefore = store.commitCount
            let outcomes = Task {
                await withTaskGroup(of: (Int, Bool).self) { group in
                    for index in 0..<5 {
                        group.addTask {
                            let id = index == 3 ? taken : MessageID("m\(index)")
                            do {
                                try await store.send([OutgoingMessage(body: Data("m\(index)".utf8), id: id)], to: "jobs")
                                return (index, true)
                            } catch {
                                return (index, false)
                            }
                        }
                    }
                    var accepted: [Int: Bool] = [:]
                    for await (index, outcome) in group { accepted[index] = outcome }
                    return accepted
                }
            }
            try await gate.waitForPending(5)
            gate.release()
            #expect(await outcomes.value == [0: true, 1: true, 2: true, 3: false, 4: true])
            #expect(store.commitCount - commitsBefore == 2)
            let ids = try await store.peek("jobs", limit: 10).map(\.id.rawValue)
            #expect(Set(ids) == ["taken", "m0", "m1", "m2", "m4"])
            await store.close()
        }
    }

    // A transaction of sends only runs its merged INSERT with OR ROLLBACK and no savepoint;
    // the store thread resumes the first caller, which resumes the others.

    @Test("sends only, one with an id in use, two creating a queue: the rest commit with the new queue")
    func sendsOnlyRollbackKeepsNewQueue() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let taken = MessageID("taken")
            try await store.send([OutgoingMessage(body: Data(), id: taken)], to: "jobs")
            let gate = try await WorkerGate.hold(store.worker)
            @Sendable func send(_ id: MessageID, to queue: String) async -> Bool {
                do {
                    try await store.send([OutgoingMessage(body: Data(id.rawValue.utf8), id: id)], to: queue)
                    return true
                } catch {
                    return false
                }
            }
            // The "fresh" queue is added first, by the merged pass that then meets the id in use
            // and rolls back: the sends that run alone afterwards must add it again.
            let fresh = [Task { await send(MessageID("f0"), to: "fresh") }, Task { await send(MessageID("f1"), to: "fresh") }]
            try await gate.waitForPending(2)
            let jobs = [Task { await send(taken, to: "jobs") }, Task { await send(MessageID("j1"), to: "jobs") }]
            try await gate.waitForPending(4)
            gate.release()
            let accepted = [await fresh[0].value, await fresh[1].value, await jobs[0].value, await jobs[1].value]
            #expect(accepted == [true, true, false, true])
            #expect(Set(try await store.peek("fresh", limit: 10).map(\.id.rawValue)) == ["f0", "f1"])
            #expect(try await store.stats(for: "fresh").visible == 2)
            #expect(Set(try await store.peek("jobs", limit: 10).map(\.id.rawValue)) == ["taken", "j1"])
            #expect(try await store.stats(for: "jobs").visible == 2)
            await store.close()
        }
    }

    @Test("a lone send with an id in use fails naming the id, and the store goes on")
    func loneSendWithIDInUse() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            try await store.send([OutgoingMessage(body: Data("first".utf8), id: MessageID("taken"))], to: "jobs")
            await #expect {
                try await store.send([OutgoingMessage(body: Data("again".utf8), id: MessageID("taken"))], to: "jobs")
            } throws: { error in
                guard let error = error as? QueueStoreError else { return false }
                return error.kind == .invalidArgument && error.message.contains("message id taken is already in use")
            }
            try await store.send([OutgoingMessage(body: Data("next".utf8), id: MessageID("next"))], to: "jobs")
            #expect(try await store.peek("jobs", limit: 10).map(\.id.rawValue) == ["taken", "next"])
            #expect(try await store.stats(for: "jobs").visible == 2)
            await store.close()
        }
    }

    @Test("the first caller of a transaction of sends fails: the others still return", .timeLimit(.minutes(1)))
    func failedFirstCallerStillResumesTheOthers() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let taken = MessageID("taken")
            try await store.send([OutgoingMessage(body: Data(), id: taken)], to: "jobs")
            let gate = try await WorkerGate.hold(store.worker)
            // The call with the id in use is handed in first, so it is the one the thread resumes.
            let first = Task {
                do {
                    try await store.send([OutgoingMessage(body: Data("first".utf8), id: taken)], to: "jobs")
                    return true
                } catch {
                    return false
                }
            }
            try await gate.waitForPending(1)
            let others = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<5 {
                        group.addTask { try await store.send(Data("m\(index)".utf8), to: "jobs") }
                    }
                    try await group.waitForAll()
                }
            }
            try await gate.waitForPending(6)
            gate.release()
            #expect(await first.value == false)
            try await others.value
            #expect(try await store.stats(for: "jobs").visible == 6)
            await store.close()
        }
    }
}

/// Holds a store's thread inside a transaction so that calls pile up behind it.
private final class WorkerGate: Sendable {
    private let worker: SQLiteWorker
    private let gate = DispatchSemaphore(value: 0)
    private let entered = Atomic<Bool>(false)

    private init(worker: SQLiteWorker) {
        self.worker = worker
    }

    /// Starts a job that blocks the store thread (its own thread, not the cooperative
    /// pool) until ``release()``; returns once the thread runs it.
    static func hold(_ worker: SQLiteWorker) async throws -> WorkerGate {
        let gate = WorkerGate(worker: worker)
        Task {
            try await worker.perform { _ in
                gate.entered.store(true, ordering: .releasing)
                gate.gate.wait()
            }
        }
        try await until { gate.entered.load(ordering: .acquiring) }
        return gate
    }

    /// Waits until `count` calls wait for the next transaction.
    func waitForPending(_ count: Int) async throws {
        try await Self.until { self.worker.pendingJobCount >= count }
    }

    /// Lets the held transaction commit.
    func release() {
        gate.signal()
    }

    /// Polls `condition` every millisecond, for at most 10 seconds.
    private static func until(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<10_000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("the store thread did not reach the expected state within 10 s")
        throw CancellationError()
    }
}
