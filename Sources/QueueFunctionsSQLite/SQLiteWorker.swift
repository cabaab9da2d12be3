import QueueFunctions
import Dispatch
import Foundation
import Synchronization

/// The one thread that talks to SQLite for a store, with group commit.
///
/// Callers hand work in with ``perform(_:)``; the thread takes every job waiting at
/// that moment and runs them all in one write transaction, each inside its own
/// savepoint so that one failing job rolls back alone. Every caller is resumed only
/// after that transaction has committed. While one transaction runs, new jobs queue
/// up and commit together in the next one, so many concurrent sends cost one commit.
///
/// SQLite is never called from Swift's cooperative thread pool: only this thread
/// touches the connection, from opening to closing.
final class SQLiteWorker: Sendable {
    /// Resumes a caller once its transaction's fate is known.
    typealias Finish = @Sendable (Result<Void, any Error>) -> Void

    /// What a job reports after running: whether it failed, and how to resume its
    /// caller once the transaction's fate is known.
    struct Outcome {
        var failed: Bool
        var finish: Finish
    }

    /// Work for the thread.
    struct Job: Sendable {
        /// Runs the work; the caller is resumed later through the outcome.
        var run: @Sendable (SQLiteConnection) -> Outcome
        /// Resumes the caller with `error` without running the work.
        var fail: @Sendable (any Error) -> Void
        /// Set for a plain send: adjacent sends run merged (see `SQLiteWorker+Sends.swift`).
        var send: SendWork? = nil
    }

    private struct State {
        var jobs: [Job] = []
        var closing = false
        var closed = false
        /// The thread is about to wait, or waits, for ``wakeUp``: the job that makes
        /// `jobs` reach `wanted` signals it.
        var waiting = false
        var wanted = 1
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    /// Callers of a committed transaction of sends that the first of them resumes (see
    /// ``resume(_:relaying:)``).
    let relayed = Mutex<[Finish]>([])
    private let commits = Atomic<Int>(0)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let path: String
    /// Called before each COMMIT with the number of jobs in the transaction; a throw
    /// rolls the transaction back and fails every one of its callers. For tests.
    let beforeCommit = Mutex<(@Sendable (_ jobs: Int) throws -> Void)?>(nil)

    private init(path: String) {
        self.path = path
    }

    /// Starts the thread and opens (creating or migrating) the database at `path` on it.
    ///
    /// - Throws: ``QueueStoreError`` when the file cannot be used.
    static func start(path: String, options: SQLiteQueueStore.Options) async throws -> SQLiteWorker {
        let worker = SQLiteWorker(path: path)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                // The name the system shows (`top -H`, perf, gdb): at most 15 characters.
                Thread.current.name = "qf-sqlite"
                let connection: SQLiteConnection
                do {
                    try SQLiteStoreFile.createParentDirectory(of: path)
                    connection = try SQLiteConnection(path: path, options: options)
                    try SQLiteSchema.prepare(connection)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume()
                let checkpointer = SQLiteCheckpointer.start(path: path)
                connection.checkpoint(with: checkpointer)
                worker.loop(connection, checkpointer: checkpointer)
            }
            thread.start()
        }
        return worker
    }

    /// Runs `work` on the store thread inside a write transaction.
    ///
    /// - Returns: What `work` returned, once its transaction has committed.
    /// - Throws: What `work` threw, a commit failure, or `.closed` after ``close()``.
    func perform<T: Sendable>(_ work: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { connection in
                    let result = Result { try work(connection) }
                    let failed: Bool
                    if case .failure = result { failed = true } else { failed = false }
                    return Outcome(failed: failed) { committed in
                        switch committed {
                        case .success: continuation.resume(with: result)
                        case .failure(let error): continuation.resume(throwing: error)
                        }
                    }
                },
                fail: { error in continuation.resume(throwing: error) }
            )
            enqueue(job)
        }
    }

    /// Hands `job` to the thread, waking it when it waits; fails the job after ``close()``.
    func enqueue(_ job: Job) {
        let (accepted, wake): (Bool, Bool) = state.withLock { state in
            guard !state.closing else { return (false, false) }
            state.jobs.append(job)
            guard state.waiting, state.jobs.count >= state.wanted else { return (true, false) }
            state.waiting = false
            return (true, true)
        }
        if wake { wakeUp.signal() }
        if !accepted { job.fail(QueueStoreError(.closed, "the SQLite queue store \(path) was closed; open it again")) }
    }

    /// Runs the jobs already handed in, then closes the database and ends the thread.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, signal): (Bool, Bool) = state.withLock { state in
                if state.closed { return (true, false) }
                state.closing = true
                state.closeWaiters.append(continuation)
                let wake = state.waiting
                state.waiting = false
                return (false, wake)
            }
            if done { continuation.resume() } else if signal { wakeUp.signal() }
        }
    }

    /// How many transactions have committed, for tests of group commit.
    var commitCount: Int { commits.load(ordering: .relaxed) }

    /// How many jobs wait for the next transaction.
    var pendingJobCount: Int { state.withLock { $0.jobs.count } }

    /// Asks the thread to finish the jobs handed in and close, without waiting for it.
    func requestClose() {
        let signal: Bool = state.withLock { state in
            state.closing = true
            let wake = state.waiting
            state.waiting = false
            return wake
        }
        if signal { wakeUp.signal() }
    }

    // MARK: - The thread

    /// How long the thread waits, after a transaction shared by several plain sends, for as
    /// many calls to arrive before it starts the next one. Those senders have just been
    /// resumed and usually send again at once (a producer loop, the HTTP route under load):
    /// waiting a moment lets them share one commit instead of trickling into several. A lone
    /// call never waits, nor does a group with other work (the host's settle-and-receive
    /// calls keep the thread busy, and an idle pause there would cost throughput).
    static let linger = DispatchTimeInterval.microseconds(100)

    private func loop(_ connection: SQLiteConnection, checkpointer: SQLiteCheckpointer) {
        var lastGroup = 0
        while true {
            let wanted = Swift.max(1, lastGroup)
            var jobs: [Job] = []
            let taken: Bool? = state.withLock { state in
                guard state.jobs.count >= wanted || state.closing else {
                    state.waiting = true
                    state.wanted = wanted
                    return nil
                }
                swap(&jobs, &state.jobs)
                return state.closing
            }
            guard let closing = taken else {
                if wanted == 1 {
                    wakeUp.wait()
                } else {
                    if wakeUp.wait(timeout: .now() + Self.linger) == .timedOut {
                        let signalled: Bool = state.withLock { state in
                            guard state.waiting else { return true }
                            state.waiting = false
                            return false
                        }
                        // A job (or close) cleared the flag as the wait ran out: take its signal.
                        if signalled { wakeUp.wait() }
                    }
                    // Take what has arrived, or wait for the first call.
                    lastGroup = 0
                }
                continue
            }
            let sendsOnly = jobs.allSatisfy { $0.send != nil }
            lastGroup = sendsOnly ? jobs.count : 0
            if !jobs.isEmpty {
                let committed = runGroup(jobs, sendsOnly: sendsOnly, on: connection)
                // Dropped before the callers resume, so that they, not this thread, free their
                // messages (this thread is what bounds concurrent sends).
                jobs = []
                resume(committed, relaying: sendsOnly)
            }
            if closing {
                checkpointer.stop()
                connection.close()
                let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    state.closed = true
                    let waiters = state.closeWaiters
                    state.closeWaiters.removeAll()
                    return waiters
                }
                for waiter in waiters { waiter.resume() }
                return
            }
        }
    }

    /// Runs `jobs` in one transaction. Resumes their callers itself when it ends in a failure;
    /// after a commit, returns how to resume them.
    private func runGroup(_ jobs: [Job], sendsOnly: Bool, on connection: SQLiteConnection) -> [Finish] {
        do {
            try connection.execute(.begin, "BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.fail(error) }
            return []
        }
        var finishes: [Finish] = []
        finishes.reserveCapacity(jobs.count)
        do {
            if sendsOnly {
                try runSendsOnly(jobs, on: connection, finishes: &finishes)
            } else if jobs.count == 1, let job = jobs.first {
                let outcome = job.run(connection)
                finishes.append(outcome.finish)
                if outcome.failed {
                    connection.queueIDs.removeAll()
                    try connection.execute("ROLLBACK")
                    outcome.finish(.success(()))
                    return []
                }
            } else {
                var index = jobs.startIndex
                while index < jobs.endIndex {
                    // Adjacent sends run merged; anything else runs alone in a savepoint.
                    let end = jobs[index...].firstIndex { $0.send == nil } ?? jobs.endIndex
                    if end - index >= 2 {
                        try runSends(jobs[index..<end], on: connection, finishes: &finishes)
                        index = end
                    } else {
                        try runAlone(jobs[index], on: connection, finishes: &finishes)
                        index += 1
                    }
                }
            }
            if let hook = beforeCommit.withLock({ $0 }) { try hook(jobs.count) }
            try connection.execute(.commit, "COMMIT")
            commits.add(1, ordering: .relaxed)
        } catch {
            connection.queueIDs.removeAll()
            try? connection.execute("ROLLBACK")
            for finish in finishes { finish(.failure(error)) }
            for job in jobs.dropFirst(finishes.count) { job.fail(error) }
            return []
        }
        return finishes
    }

    /// Runs `job` inside a savepoint of its own, so that its failure rolls back alone.
    func runAlone(_ job: Job, on connection: SQLiteConnection, finishes: inout [Finish]) throws {
        try connection.execute("SAVEPOINT job")
        let outcome = job.run(connection)
        finishes.append(outcome.finish)
        if outcome.failed {
            connection.queueIDs.removeAll()
            try connection.execute("ROLLBACK TO job")
        }
        try connection.execute("RELEASE job")
    }
}
