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
    /// What a job reports after running: whether it failed, and how to resume its
    /// caller once the transaction's fate is known.
    struct Outcome {
        var failed: Bool
        var finish: @Sendable (Result<Void, any Error>) -> Void
    }

    /// Work for the thread.
    struct Job: Sendable {
        /// Runs the work; the caller is resumed later through the outcome.
        var run: @Sendable (SQLiteConnection) -> Outcome
        /// Resumes the caller with `error` without running the work.
        var fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var jobs: [Job] = []
        var closing = false
        var closed = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let commits = Atomic<Int>(0)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let path: String

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
                worker.loop(connection)
            }
            thread.name = "QueueFunctions.SQLite"
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
            let accepted: Bool = state.withLock { state in
                guard !state.closing else { return false }
                state.jobs.append(job)
                return true
            }
            if accepted {
                wakeUp.signal()
            } else {
                continuation.resume(throwing: QueueStoreError(.closed, "the SQLite queue store \(path) was closed; open it again"))
            }
        }
    }

    /// Runs the jobs already handed in, then closes the database and ends the thread.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, signal): (Bool, Bool) = state.withLock { state in
                if state.closed { return (true, false) }
                let first = !state.closing
                state.closing = true
                state.closeWaiters.append(continuation)
                return (false, first)
            }
            if done { continuation.resume() } else if signal { wakeUp.signal() }
        }
    }

    /// How many transactions have committed, for tests of group commit.
    var commitCount: Int { commits.load(ordering: .relaxed) }

    /// Asks the thread to finish the jobs handed in and close, without waiting for it.
    func requestClose() {
        let signal: Bool = state.withLock { state in
            if state.closing { return false }
            state.closing = true
            return true
        }
        if signal { wakeUp.signal() }
    }

    // MARK: - The thread

    private func loop(_ connection: SQLiteConnection) {
        while true {
            wakeUp.wait()
            let (jobs, closing) = state.withLock { state in
                let jobs = state.jobs
                state.jobs.removeAll(keepingCapacity: true)
                return (jobs, state.closing)
            }
            if !jobs.isEmpty { runGroup(jobs, on: connection) }
            if closing {
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

    /// Runs `jobs` in one transaction and resumes their callers after it ends.
    private func runGroup(_ jobs: [Job], on connection: SQLiteConnection) {
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.fail(error) }
            return
        }
        var finishes: [@Sendable (Result<Void, any Error>) -> Void] = []
        finishes.reserveCapacity(jobs.count)
        do {
            if jobs.count == 1, let job = jobs.first {
                let outcome = job.run(connection)
                finishes.append(outcome.finish)
                if outcome.failed {
                    connection.queueIDs.removeAll()
                    try connection.execute("ROLLBACK")
                    outcome.finish(.success(()))
                    return
                }
            } else {
                for job in jobs {
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
            try connection.execute("COMMIT")
            commits.add(1, ordering: .relaxed)
        } catch {
            connection.queueIDs.removeAll()
            try? connection.execute("ROLLBACK")
            for finish in finishes { finish(.failure(error)) }
            for job in jobs.dropFirst(finishes.count) { job.fail(error) }
            return
        }
        for finish in finishes { finish(.success(())) }
    }
}
