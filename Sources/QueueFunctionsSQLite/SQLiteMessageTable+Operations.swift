import QueueFunctions
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
        let range = Self.seqRange(queueID)
        let select = try connection.statement("""
            SELECT seq, dl_source, state, group_id FROM messages
            WHERE seq BETWEEN ?1 AND ?4 AND state <> 2 AND (?2 OR dl_source IS NOT NULL)
            ORDER BY seq LIMIT ?3
            """)
        select.bind(1, range.low)
        select.bind(4, range.high)
        select.bind(2, destination == nil ? 0 : 1)
        select.bind(3, limit)
        var candidates: [(seq: Int64, source: String?, state: Int64, group: String?)] = []
        while try select.step() {
            candidates.append((select.int64(0), select.optionalText(1), select.int64(2), select.optionalText(3)))
        }
        select.reset()
        var wake: [String: Int] = [:]
        for candidate in candidates {
            let target = destination ?? candidate.source ?? deadLetterQueue
            let targetID = try queueIDCreating(target)
            let back = try backPosition(targetID)
            let seq = try nextSeq(targetID, name: target)
            let update = try connection.statement("""
                UPDATE messages SET seq = ?5, queue_id = ?1, state = 0, pos = ?2,
                    enqueued_at = ?3, receive_count = 0, first_received_at = NULL,
                    dl_source = NULL, dl_receive_count = NULL, dl_reason = NULL, dl_at = NULL
                WHERE seq = ?4
                """)
            update.bind(1, targetID)
            update.bind(2, back)
            update.bind(3, SQLiteTime.nanos(now))
            update.bind(4, candidate.seq)
            update.bind(5, seq)
            try update.run()
            update.reset()
            counts.add(queueID, state: candidate.state, count: -1)
            counts.add(targetID, visible: 1)
            if let source = candidate.source { try addDeadLettered(source: source, -1) }
            if let group = candidate.group, try releaseGroup(group, in: queueID, now: now) > 0 {
                wake[deadLetterQueue, default: 0] += 1
            }
            if try !holdIfGroupBusy(seq, group: candidate.group, in: targetID) { wake[target, default: 0] += 1 }
        }
        return (candidates.count, wake)
    }

    /// Deletes every message of `queue`.
    ///
    /// - Returns: How many were deleted.
    func purge(_ queue: String) throws -> Int {
        guard let queueID = try queueID(queue) else { return 0 }
        let range = Self.seqRange(queueID)
        let sources = try connection.statement("""
            SELECT dl_source, count(*) FROM messages
            WHERE seq BETWEEN ?1 AND ?2 AND dl_source IS NOT NULL GROUP BY dl_source
            """)
        sources.bind(1, range.low)
        sources.bind(2, range.high)
        var deadLettered: [(String, Int)] = []
        while try sources.step() { deadLettered.append((sources.text(0), sources.int(1))) }
        sources.reset()
        for (source, count) in deadLettered { try addDeadLettered(source: source, -count) }
        let delete = try connection.statement("DELETE FROM messages WHERE seq BETWEEN ?1 AND ?2")
        defer { delete.reset() }
        delete.bind(1, range.low)
        delete.bind(2, range.high)
        try delete.run()
        let deleted = connection.changes
        let stored = try storedCounts(queueID)
        counts.add(queueID, visible: -stored.visible, delayed: -stored.delayed, inFlight: -stored.inFlight)
        return deleted
    }

    /// Up to `limit` messages of `queue` in arrival order, in any state.
    func peek(_ queue: String, limit: Int, now: Date) throws -> [StoredMessage] {
        guard limit > 0, let queueID = try queueID(queue) else { return [] }
        try promoteDue(queueID, now: now)
        let range = Self.seqRange(queueID)
        let select = try connection.statement("""
            SELECT state, pos, \(Self.messageColumns) FROM messages WHERE seq BETWEEN ?1 AND ?3 ORDER BY seq LIMIT ?2
            """)
        defer { select.reset() }
        select.bind(1, range.low)
        select.bind(3, range.high)
        select.bind(2, limit)
        var messages: [StoredMessage] = []
        while try select.step() {
            var message = try readMessage(select, from: 2, queue: queue)
            let due = SQLiteTime.date(select.int64(1))
            switch select.int64(0) {
            case State.delayed: message.state = .delayed(until: due)
            case State.inFlight: message.state = .inFlight(until: due)
            case State.held: message.state = due > now ? .delayed(until: due) : .visible
            default: message.state = .visible
            }
            messages.append(message)
        }
        return messages
    }

    /// Counts the messages of `queue` by state, with the messages from it now in a
    /// dead-letter queue: read from the counts kept in `queues`, never by counting rows.
    func stats(for queue: String, now: Date) throws -> QueueStats {
        guard let queueID = try queueID(queue) else { return QueueStats() }
        try promoteDue(queueID, now: now)
        try counts.write(to: connection)
        let stored = try storedCounts(queueID)
        let extra = try heldAndScheduled(queueID)
        var stats = QueueStats(
            visible: stored.visible + extra.held, delayed: stored.delayed, inFlight: stored.inFlight,
            deadLettered: stored.deadLettered, scheduled: extra.scheduled
        )
        let range = Self.seqRange(queueID)
        let oldest = try connection.statement(
            "SELECT enqueued_at FROM messages WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq LIMIT 1"
        )
        defer { oldest.reset() }
        oldest.bind(1, range.low)
        oldest.bind(2, range.high)
        if try oldest.step() { stats.oldestEnqueuedAt = SQLiteTime.date(oldest.int64(0)) }
        return stats
    }

    /// The names of the queues holding at least one message, sorted.
    func queueNames() throws -> [String] {
        let select = try connection.statement("SELECT name FROM queues WHERE visible + delayed + in_flight > 0")
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
        let next = try connection.statement("SELECT min(pos) FROM messages WHERE queue_id = ?1 AND state = ?2 AND \(Self.notVisible)")
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
