import QueueFunctions
import Dispatch
import Foundation
import Synchronization

/// A few connections, each owned by a thread of its own, that run a store's jobs.
///
/// Callers hand work in with ``perform(_:_:)``; a free thread takes it, runs it inside
/// one transaction on its connection and resumes the caller. libpq is never called from
/// Swift's cooperative pool.
///
/// A connection that breaks is dropped; the next job on that thread opens a new one at
/// once, and while opening keeps failing, jobs fail with `.unavailable` without waiting
/// until the backoff (``PostgresReconnectBackoff``) allows the next attempt.
final class PostgresConnectionPool: Sendable {
    /// Work for a thread: runs with a connection (or nil and the error that kept one from
    /// opening) and resumes its caller.
    typealias Job = @Sendable (Result<PostgresConnection, QueueStoreError>) -> Void

    private struct State {
        var jobs: [Job] = []
        var head = 0
        var closing = false
        var running = 0
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let target: PostgresTarget
    /// How many connections the pool keeps.
    let size: Int
    private let backends: PostgresBackends

    private init(target: PostgresTarget, size: Int, backends: PostgresBackends) {
        self.target = target
        self.size = size
        self.backends = backends
    }

    /// Starts `size` threads, each with a connection; the first runs `prepare` (in a
    /// transaction) before the others connect.
    ///
    /// - Throws: ``QueueStoreError`` when a connection cannot be opened or `prepare` fails.
    static func start(
        target: PostgresTarget, size: Int, backends: PostgresBackends,
        prepare: @escaping @Sendable (PostgresConnection) throws -> Void
    ) async throws -> PostgresConnectionPool {
        let pool = PostgresConnectionPool(target: target, size: max(1, size), backends: backends)
        do {
            try await pool.startThread(index: 0, prepare: prepare)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 1..<pool.size {
                    group.addTask { try await pool.startThread(index: index, prepare: nil) }
                }
                try await group.waitForAll()
            }
        } catch {
            await pool.close()
            throw error
        }
        return pool
    }

    private func startThread(index: Int, prepare: (@Sendable (PostgresConnection) throws -> Void)?) async throws {
        let target = self.target
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                Thread.current.name = "qf-postgres-\(index)"
                var connection: PostgresConnection?
                do {
                    let opened = try PostgresConnection(target: target, applicationName: "queuefunctions")
                    if let prepare { try Self.inTransaction(opened) { try prepare($0) } }
                    connection = opened
                    self.backends.insert(opened.backendPID)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: Self.storeError(error))
                }
                self.loop(connection)
            }
            state.withLock { $0.running += 1 }
            thread.start()
        }
    }

    /// Runs `work` in one transaction on a pool thread.
    ///
    /// - Parameter doing: What the work does, for error messages.
    /// - Returns: What `work` returned, once its transaction has committed.
    /// - Throws: ``QueueStoreError``: what `work` threw, a commit failure, `.unavailable`
    ///   when the server cannot be reached, or `.closed` after ``close()``.
    /// - Parameter transaction: False for work that runs a single statement, which commits
    ///   by itself: it saves the BEGIN and COMMIT round trips.
    func perform<T: Sendable>(
        transaction: Bool = true, _ work: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: Job = { opened in
                switch opened {
                case .failure(let error):
                    continuation.resume(throwing: error)
                case .success(let connection):
                    // A rolled-back outbox batch is an answer, not a failure: it passes through as it is.
                    continuation.resume(with: Result {
                        transaction ? try Self.inTransaction(connection, work) : try Self.alone(connection, work)
                    }.mapError { error in
                        error is OutboxBatchStale ? error : Self.storeError(error)
                    })
                }
            }
            let accepted: Bool = state.withLock { state in
                guard !state.closing else { return false }
                state.jobs.append(job)
                return true
            }
            if accepted {
                wakeUp.signal()
            } else {
                continuation.resume(throwing: QueueStoreError(.closed, "the PostgreSQL queue store for \(target) was closed; open it again"))
            }
        }
    }

    /// Finishes the jobs already handed in, then closes every connection and ends the threads.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, signals): (Bool, Int) = state.withLock { state in
                let first = !state.closing
                state.closing = true
                if state.running == 0 { return (true, 0) }
                state.closeWaiters.append(continuation)
                return (false, first ? state.running : 0)
            }
            if done { continuation.resume() }
            for _ in 0..<signals { wakeUp.signal() }
        }
    }

    /// Asks the threads to finish and close, without waiting.
    func requestClose() {
        let signals: Int = state.withLock { state in
            if state.closing { return 0 }
            state.closing = true
            return state.running
        }
        for _ in 0..<signals { wakeUp.signal() }
    }

    // MARK: - The threads

    private func loop(_ initial: PostgresConnection?) {
        var connection = initial
        var backoff = PostgresReconnectBackoff()
        while true {
            wakeUp.wait()
            let (job, closing): (Job?, Bool) = state.withLock { state in
                guard state.head < state.jobs.count else { return (nil, state.closing) }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 64, state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return (job, state.closing)
            }
            if let job {
                if connection?.isOpen != true {
                    if let broken = connection { backends.remove(broken.backendPID) }
                    connection = nil
                    let now = ContinuousClock.now
                    if backoff.mayAttempt(at: now) {
                        do {
                            let opened = try PostgresConnection(target: target, applicationName: "queuefunctions")
                            backends.insert(opened.backendPID)
                            connection = opened
                            backoff.succeeded()
                        } catch {
                            let delay = backoff.failed(at: now)
                            job(.failure(Self.storeError(error, retryIn: delay)))
                        }
                    } else {
                        job(.failure(QueueStoreError(
                            .unavailable,
                            "the PostgreSQL server at \(target) could not be reached; the store tries again shortly, with backoff"
                        )))
                    }
                }
                // Each job and each thread's close has one signal, so a thread that takes
                // a job after the close was asked still meets its own close signal later.
                if let connection { job(.success(connection)) }
                continue
            }
            if closing {
                connection?.close()
                let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    state.running -= 1
                    guard state.running == 0 else { return [] }
                    let waiters = state.closeWaiters
                    state.closeWaiters.removeAll()
                    return waiters
                }
                for waiter in waiters { waiter.resume() }
                return
            }
        }
    }

    /// Runs `work` between BEGIN and COMMIT; rolls back when it throws.
    private static func inTransaction<T>(_ connection: PostgresConnection, _ work: (PostgresConnection) throws -> T) throws -> T {
        try connection.execute("BEGIN", doing: "starting a transaction")
        do {
            let result = try work(connection)
            try connection.execute("COMMIT", doing: "committing")
            return result
        } catch {
            connection.queueIDs.removeAll()
            if connection.isOpen { _ = try? connection.execute("ROLLBACK", doing: "rolling back") }
            throw error
        }
    }

    /// Runs single-statement `work` without BEGIN and COMMIT: the statement commits by itself.
    private static func alone<T>(_ connection: PostgresConnection, _ work: (PostgresConnection) throws -> T) throws -> T {
        do {
            return try work(connection)
        } catch {
            connection.queueIDs.removeAll()
            throw error
        }
    }

    /// `error` as the ``QueueStoreError`` callers see.
    static func storeError(_ error: any Error) -> QueueStoreError {
        if let failure = error as? PostgresFailure { return failure.error }
        if let error = error as? QueueStoreError { return error }
        return QueueStoreError(.engine, "PostgreSQL store: \(error)")
    }

    private static func storeError(_ error: any Error, retryIn delay: Duration) -> QueueStoreError {
        var error = storeError(error)
        if error.kind == .unavailable {
            error.message += " (next attempt in \(DurationText.format(delay)))"
        }
        return error
    }
}
