import QueueFunctions
import Foundation

/// Send coalescing: the HTTP route's case, many tasks each sending one message.
///
/// Group commit already puts the calls that arrive during a transaction into the next
/// one. A run of adjacent plain sends in that group then costs one savepoint, one insert
/// pass per queue and one count update, instead of a savepoint, two lookups and a count
/// update per call. When the merged pass fails (a message id already in use), it is rolled
/// back and every send of the run runs alone in its own savepoint, so only the offending
/// call fails, exactly as without merging. Every caller still returns only after the
/// transaction holding its messages has committed, and a failed commit fails them all.
extension SQLiteWorker {
    /// What a plain send stores, for merging it with its neighbours.
    struct SendWork: Sendable {
        var queue: String
        var messages: [OutgoingMessage]
        var now: Date
        /// Resumes the caller once the transaction's fate is known.
        var finish: Finish
    }

    /// Stores `messages` on `queue` in the next transaction, merged with adjacent sends.
    ///
    /// - Returns: How many of `messages` are visible at once, after the commit.
    /// - Throws: `.invalidArgument` when a message id is in use, a commit failure, or
    ///   `.closed` after ``close()``.
    func send(_ messages: [OutgoingMessage], to queue: String, now: Date) async throws -> Int {
        let visible = messages.count { $0.delay <= .zero }
        // This caller may be the first of a transaction of sends: it resumes the others.
        defer { resumeRelayed() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let work = SendWork(queue: queue, messages: messages, now: now) { committed in
                continuation.resume(with: committed)
            }
            let job = Job(
                run: { connection in
                    let result = Result {
                        try SQLiteMessageTable.run(connection) { _ = try $0.send(messages, to: queue, now: now) }
                    }
                    let failed: Bool
                    if case .failure = result { failed = true } else { failed = false }
                    return Outcome(failed: failed) { committed in
                        switch committed {
                        case .success: continuation.resume(with: result)
                        case .failure(let error): continuation.resume(throwing: error)
                        }
                    }
                },
                fail: { error in continuation.resume(throwing: error) },
                send: work
            )
            enqueue(job)
        }
        return visible
    }

    /// Runs a transaction that holds nothing but plain sends (the HTTP route's case): one
    /// merged pass with no savepoint, whose INSERT rolls back the whole transaction on a
    /// message id in use (`INSERT OR ROLLBACK` keeps no statement journal either). A savepoint
    /// and a statement journal each copy every page the pass writes, and here the transaction
    /// itself is the unit to undo. After such a failure the transaction starts again and each
    /// send runs alone in its own savepoint, so only the offending call fails; a lone send
    /// fails with its own error. Appends one finish per job, in order.
    func runSendsOnly(
        _ jobs: [Job], on connection: SQLiteConnection,
        finishes: inout [Finish]
    ) throws {
        do {
            try insertMerged(jobs[...], on: connection, rollingBackOnConflict: true)
            for job in jobs { if let send = job.send { finishes.append(send.finish) } }
        } catch {
            connection.queueIDs.removeAll()
            if connection.inTransaction { try connection.execute("ROLLBACK") }
            guard jobs.count > 1 else { throw error }
            try connection.execute(.begin, "BEGIN IMMEDIATE")
            for job in jobs { try runAlone(job, on: connection, finishes: &finishes) }
        }
    }

    /// Runs the adjacent sends `jobs` merged under one savepoint; on failure rolls that
    /// back and runs each alone. Appends one finish per job, in order.
    func runSends(
        _ jobs: ArraySlice<Job>, on connection: SQLiteConnection,
        finishes: inout [Finish]
    ) throws {
        try connection.execute(.savepointSends, "SAVEPOINT sends")
        do {
            try insertMerged(jobs, on: connection, rollingBackOnConflict: false)
            try connection.execute(.releaseSends, "RELEASE sends")
            for job in jobs { if let send = job.send { finishes.append(send.finish) } }
        } catch {
            // A message id in use (or another failure of one call): find which, alone.
            connection.queueIDs.removeAll()
            try connection.execute("ROLLBACK TO sends")
            try connection.execute("RELEASE sends")
            for job in jobs { try runAlone(job, on: connection, finishes: &finishes) }
        }
    }

    /// Inserts the messages of the sends `jobs` with one pass per queue, and writes the
    /// count changes.
    private func insertMerged(
        _ jobs: ArraySlice<Job>, on connection: SQLiteConnection, rollingBackOnConflict: Bool
    ) throws {
        // One time for the merged pass: the latest call's, so that no message is
        // stamped before it was handed in (the calls differ by microseconds).
        var now = Date.distantPast
        // Each queue's messages in call order; usually every call is to one queue, so a
        // short list searched from the back beats hashing the name per call.
        var batches: [(queue: String, messages: [OutgoingMessage])] = []
        for job in jobs {
            guard let send = job.send else { continue }
            if send.now > now { now = send.now }
            if let last = batches.indices.last, batches[last].queue == send.queue {
                batches[last].messages.append(contentsOf: send.messages)
            } else if let index = batches.firstIndex(where: { $0.queue == send.queue }) {
                batches[index].messages.append(contentsOf: send.messages)
            } else if jobs.count == 1 {
                batches.append((send.queue, send.messages))
            } else {
                var messages: [OutgoingMessage] = []
                messages.reserveCapacity(jobs.count)
                messages.append(contentsOf: send.messages)
                batches.append((send.queue, messages))
            }
        }
        try SQLiteMessageTable.run(connection) { table in
            for batch in batches {
                _ = try table.send(batch.messages, to: batch.queue, now: now, rollingBackOnConflict: rollingBackOnConflict)
            }
        }
    }

    /// Resumes the callers of committed transaction `finishes` (none when the transaction
    /// failed: those were resumed already). Each resume wakes a thread of the cooperative
    /// pool, and this thread is what bounds concurrent sends: after a transaction of sends
    /// only, it resumes just the first caller, which resumes the others from the pool
    /// (``send(_:to:now:)`` runs ``resumeRelayed()`` as it returns or throws).
    func resume(_ finishes: [Finish], relaying: Bool) {
        guard relaying, finishes.count > 1, let first = finishes.first else {
            for finish in finishes { finish(.success(())) }
            return
        }
        relayed.withLock { $0.append(contentsOf: finishes.dropFirst()) }
        first(.success(()))
    }

    /// Resumes the callers handed over by ``resume(_:relaying:)``, if any wait.
    func resumeRelayed() {
        let waiting: [Finish] = relayed.withLock { waiting in
            guard !waiting.isEmpty else { return [] }
            let taken = waiting
            waiting = []
            return taken
        }
        for finish in waiting { finish(.success(())) }
    }
}
