import QueueFunctions
import Foundation

/// FIFO groups and cancelling on SQLite.
///
/// Only a group's first message in arrival order (lowest `seq`) is ever visible,
/// delayed or in flight; the rest wait in state 3 (held). When the head leaves the
/// queue (acked, dead-lettered, redriven, cancelled) the next one is released: visible
/// at the back of the receive order, or delayed until its scheduled time. So a receive
/// never looks past held rows, and a group has at most one message in flight.
extension SQLiteMessageTable {
    /// Whether `queue` holds a message of `group` (before `seq` when given).
    func groupHasMembers(_ group: String, in queue: Int64, before seq: Int64? = nil) throws -> Bool {
        let range = Self.seqRange(queue)
        let select = try connection.statement(
            "SELECT 1 FROM messages WHERE group_id = ?1 AND seq BETWEEN ?2 AND ?3 LIMIT 1"
        )
        defer { select.reset() }
        select.bind(1, group)
        select.bind(2, range.low)
        select.bind(3, seq.map { $0 - 1 } ?? range.high)
        return try select.step()
    }

    /// Releases the next message of `group` in `queue` when it is held.
    ///
    /// - Returns: 1 when it became visible at once, else 0.
    @discardableResult
    func releaseGroup(_ group: String, in queue: Int64, now: Date) throws -> Int {
        let range = Self.seqRange(queue)
        let select = try connection.statement(
            "SELECT seq, state, pos FROM messages WHERE group_id = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq LIMIT 1"
        )
        select.bind(1, group)
        select.bind(2, range.low)
        select.bind(3, range.high)
        guard try select.step(), select.int64(1) == State.held else {
            select.reset()
            return 0
        }
        let seq = select.int64(0)
        let scheduled = select.int64(2)
        select.reset()
        let update = try connection.statement("UPDATE messages SET state = ?1, pos = ?2 WHERE seq = ?3")
        defer { update.reset() }
        update.bind(3, seq)
        if scheduled > SQLiteTime.nanos(now) {
            update.bind(1, State.delayed)
            update.bind(2, scheduled)
            try update.run()
            counts.add(queue, delayed: 1)
            return 0
        }
        update.bind(1, State.visible)
        update.bind(2, try backPosition(queue))
        try update.run()
        counts.add(queue, visible: 1)
        return 1
    }

    /// Holds the visible message at `seq` of `queue` when an earlier message of `group`
    /// is there (it has just arrived by a dead-letter move or a redrive).
    ///
    /// - Returns: Whether it is held.
    func holdIfGroupBusy(_ seq: Int64, group: String?, in queue: Int64) throws -> Bool {
        guard let group, try groupHasMembers(group, in: queue, before: seq) else { return false }
        let update = try connection.statement("UPDATE messages SET state = 3, pos = 0 WHERE seq = ?1")
        defer { update.reset() }
        update.bind(1, seq)
        try update.run()
        counts.add(queue, visible: -1)
        return true
    }

    /// Deletes message `id` of `queue` unless it is in flight.
    ///
    /// - Returns: The outcome, and 1 when the next message of its group became visible.
    func cancel(_ id: MessageID, on queue: String, now: Date) throws -> (result: CancelResult, woke: Int) {
        guard let queueID = try queueID(queue) else { return (.notFound, 0) }
        let select = try connection.statement(
            "SELECT seq, state, group_id, dl_source FROM messages WHERE id = ?1 AND queue_id = ?2"
        )
        select.bind(1, id)
        select.bind(2, queueID)
        guard try select.step() else {
            select.reset()
            return (.notFound, 0)
        }
        let seq = select.int64(0)
        let state = select.int64(1)
        let group = select.optionalText(2)
        let source = select.optionalText(3)
        select.reset()
        if state == State.inFlight { return (.inFlight, 0) }
        let delete = try connection.statement("DELETE FROM messages WHERE seq = ?1")
        delete.bind(1, seq)
        try delete.run()
        delete.reset()
        counts.add(queueID, state: state, count: -1)
        if let source { try addDeadLettered(source: source, -1) }
        let woke = try group.map { try releaseGroup($0, in: queueID, now: now) } ?? 0
        return (.cancelled, woke)
    }

    /// Held messages (visible to a user, waiting for their group) and scheduled ones
    /// (delayed, never received) of `queue`, counted by query.
    func heldAndScheduled(_ queue: Int64) throws -> (held: Int, scheduled: Int) {
        let held = try connection.statement("SELECT count(*) FROM messages WHERE queue_id = ?1 AND state = 3 AND \(Self.notVisible)")
        defer { held.reset() }
        held.bind(1, queue)
        let heldCount = try held.step() ? held.int(0) : 0
        let scheduled = try connection.statement(
            "SELECT count(*) FROM messages INDEXED BY messages_scheduled WHERE queue_id = ?1 AND state = 1 AND receive_count = 0"
        )
        defer { scheduled.reset() }
        scheduled.bind(1, queue)
        return (heldCount, try scheduled.step() ? scheduled.int(0) : 0)
    }
}
