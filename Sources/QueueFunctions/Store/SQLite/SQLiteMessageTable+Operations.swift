import Foundation

/// Operator actions and queries: redrive, purge, peek, stats, queue names, wake-up times.
extension SQLiteMessageTable {
    /// Moves up to `limit` messages of `deadLetterQueue` that are not in flight to the
    /// back of `destination` (or each one's source queue), visible, with receive count 0.
    ///
    /// - Returns: How many were moved, and how many each queue received.
    func redrive(
        from deadLetterQueue: String, to destination: String?, limit: Int, now: Date
    ) throws -> (moved: Int, wake: [String: Int]) {
        guard limit > 0, let queueID = try queueID(deadLetterQueue) else { return (0, [:]) }
        let select = try connection.statement("""
            SELECT seq, dl_source FROM messages
            WHERE queue_id = ?1 AND state <> 2 AND (?2 OR dl_source IS NOT NULL)
            ORDER BY seq LIMIT ?3
            """)
        select.bind(1, queueID)
        select.bind(2, destination == nil ? 0 : 1)
        select.bind(3, limit)
        var candidates: [(seq: Int64, source: String?)] = []
        while try select.step() {
            candidates.append((select.int64(0), select.optionalText(1)))
        }
        select.reset()
        var wake: [String: Int] = [:]
        for candidate in candidates {
            let target = destination ?? candidate.source ?? deadLetterQueue
            let targetID = try queueIDCreating(target)
            let back = try backPosition(targetID)
            let update = try connection.statement("""
                UPDATE messages SET seq = (SELECT max(seq) FROM messages) + 1, queue_id = ?1, state = 0, pos = ?2,
                    enqueued_at = ?3, receive_count = 0, first_received_at = NULL,
                    dl_source = NULL, dl_receive_count = NULL, dl_reason = NULL, dl_at = NULL
                WHERE seq = ?4
                """)
            update.bind(1, targetID)
            update.bind(2, back)
            update.bind(3, SQLiteTime.nanos(now))
            update.bind(4, candidate.seq)
            try update.run()
            update.reset()
            wake[target, default: 0] += 1
        }
        return (candidates.count, wake)
    }

    /// Deletes every message of `queue`.
    ///
    /// - Returns: How many were deleted.
    func purge(_ queue: String) throws -> Int {
        guard let queueID = try queueID(queue) else { return 0 }
        let delete = try connection.statement("DELETE FROM messages WHERE queue_id = ?1")
        defer { delete.reset() }
        delete.bind(1, queueID)
        try delete.run()
        return connection.changes
    }

    /// Up to `limit` messages of `queue` in arrival order, in any state.
    func peek(_ queue: String, limit: Int, now: Date) throws -> [StoredMessage] {
        guard limit > 0, let queueID = try queueID(queue) else { return [] }
        try promoteDue(queueID, now: now)
        let select = try connection.statement("""
            SELECT state, pos, \(Self.messageColumns) FROM messages WHERE queue_id = ?1 ORDER BY seq LIMIT ?2
            """)
        defer { select.reset() }
        select.bind(1, queueID)
        select.bind(2, limit)
        var messages: [StoredMessage] = []
        while try select.step() {
            var message = try readMessage(select, from: 2, queue: queue)
            let due = SQLiteTime.date(select.int64(1))
            switch select.int64(0) {
            case State.delayed: message.state = .delayed(until: due)
            case State.inFlight: message.state = .inFlight(until: due)
            default: message.state = .visible
            }
            messages.append(message)
        }
        return messages
    }

    /// Counts the messages of `queue` by state, with the messages from it now in a dead-letter queue.
    func stats(for queue: String, now: Date) throws -> QueueStats {
        let dead = try connection.statement("SELECT count(*) FROM messages WHERE dl_source = ?1")
        dead.bind(1, queue)
        let deadLettered = try dead.step() ? dead.int(0) : 0
        dead.reset()
        guard let queueID = try queueID(queue) else { return QueueStats(deadLettered: deadLettered) }
        try promoteDue(queueID, now: now)
        var stats = QueueStats(deadLettered: deadLettered)
        let counts = try connection.statement(
            "SELECT state, count(*) FROM messages WHERE queue_id = ?1 GROUP BY state"
        )
        counts.bind(1, queueID)
        while try counts.step() {
            switch counts.int64(0) {
            case State.visible: stats.visible = counts.int(1)
            case State.delayed: stats.delayed = counts.int(1)
            default: stats.inFlight += counts.int(1)
            }
        }
        counts.reset()
        let oldest = try connection.statement(
            "SELECT enqueued_at FROM messages WHERE queue_id = ?1 ORDER BY seq LIMIT 1"
        )
        defer { oldest.reset() }
        oldest.bind(1, queueID)
        if try oldest.step() { stats.oldestEnqueuedAt = SQLiteTime.date(oldest.int64(0)) }
        return stats
    }

    /// The names of the queues holding at least one message, sorted.
    func queueNames() throws -> [String] {
        let select = try connection.statement(
            "SELECT name FROM queues WHERE EXISTS (SELECT 1 FROM messages WHERE queue_id = queues.id)"
        )
        defer { select.reset() }
        var names: [String] = []
        while try select.step() { names.append(select.text(0)) }
        return names.sorted()
    }

    /// When a waiter on `queue` should look again: nil when a message is visible now,
    /// else the earlier of the next due time and `deadline`.
    func wakeTime(for queue: String, deadline: Date, now: Date) throws -> Date? {
        guard let queueID = try queueID(queue) else { return deadline }
        try promoteDue(queueID, now: now)
        let visible = try connection.statement("SELECT 1 FROM messages WHERE queue_id = ?1 AND state = 0 LIMIT 1")
        visible.bind(1, queueID)
        let anyVisible = try visible.step()
        visible.reset()
        if anyVisible { return nil }
        let next = try connection.statement("SELECT min(pos) FROM messages WHERE queue_id = ?1 AND state = ?2")
        var wakeAt = deadline
        for state in [State.delayed, State.inFlight] {
            next.reset()
            next.bind(1, queueID)
            next.bind(2, state)
            if try next.step(), let due = next.optionalInt64(0) {
                wakeAt = min(wakeAt, SQLiteTime.date(due))
            }
        }
        next.reset()
        return wakeAt
    }
}
