import QueueFunctions
import Foundation

/// Operator actions and queries: redrive, purge, peek, stats, queue names, wake-up times.
extension PostgresMessageTable {
    /// The most messages one redrive or purge transaction moves or deletes: larger
    /// requests run as several transactions, so none holds locks on a whole backlog.
    static let chunkSize = 500

    /// Moves up to `limit` (at most ``chunkSize``) messages of `deadLetterQueue` that are
    /// not in flight to the back of `destination` (or each one's source queue), visible,
    /// with receive count 0.
    ///
    /// - Returns: How many were moved, and the queues that received messages.
    func redriveChunk(from deadLetterQueue: String, to destination: String?, limit: Int) throws -> (moved: Int, wake: [String: Int]) {
        guard limit > 0, let queueID = try queueID(deadLetterQueue) else { return (0, [:]) }
        let candidates = try connection.execute("""
            SELECT id, dl_source FROM qf_messages
            WHERE queue_id = $1 AND state <> 2 AND ($2 OR dl_source IS NOT NULL)
            ORDER BY arrival LIMIT $3 FOR UPDATE SKIP LOCKED
            """, [.int(queueID), .bool(destination != nil), .int(Int64(min(limit, Self.chunkSize)))],
            doing: "choosing messages to redrive from \(deadLetterQueue)")
        var wake: [String: Int] = [:]
        for row in 0..<candidates.count {
            let id = candidates.text(row, 0) ?? ""
            let target = destination ?? candidates.text(row, 1) ?? deadLetterQueue
            let targetID = try queueIDCreating(target)
            try connection.execute("""
                UPDATE qf_messages SET arrival = nextval('qf_arrival'), queue_id = $2, state = 0, pos = nextval('qf_order'),
                    enqueued_at = qf_now($1), receive_count = 0, first_received_at = NULL,
                    dl_source = NULL, dl_receive_count = NULL, dl_reason = NULL, dl_at = NULL
                WHERE id = $3
                """, [now, .int(targetID), .text(id)], doing: "redriving message \(id) to \(target)")
            wake[target, default: 0] += 1
        }
        for (queue, count) in wake.sorted(by: { $0.key < $1.key }) { try notify(queue, count: count) }
        return (candidates.count, wake)
    }

    /// The newest arrival number of `queue`, so that a purge deletes what was there when it began.
    func newestArrival(_ queue: String) throws -> Int64? {
        guard let queueID = try queueID(queue) else { return nil }
        let rows = try connection.execute(
            "SELECT max(arrival) FROM qf_messages WHERE queue_id = $1", [.int(queueID)], doing: "purging \(queue)"
        )
        return rows.int64(0, 0)
    }

    /// Deletes up to ``chunkSize`` messages of `queue` that arrived up to `newest`.
    ///
    /// - Returns: How many were deleted.
    func purgeChunk(_ queue: String, upTo newest: Int64) throws -> Int {
        guard let queueID = try queueID(queue) else { return 0 }
        let rows = try connection.execute("""
            DELETE FROM qf_messages WHERE id IN (
                SELECT id FROM qf_messages WHERE queue_id = $1 AND arrival <= $2 ORDER BY arrival LIMIT $3)
            """, [.int(queueID), .int(newest), .int(Int64(Self.chunkSize))], doing: "purging \(queue)")
        return rows.changed
    }

    /// Up to `limit` messages of `queue` in arrival order, in any state.
    func peek(_ queue: String, limit: Int) throws -> [StoredMessage] {
        guard limit > 0, let queueID = try queueID(queue) else { return [] }
        try promoteDue(queueID)
        let rows = try connection.execute("""
            SELECT m.state, m.pos, \(Self.messageColumns) FROM qf_messages AS m
            WHERE m.queue_id = $1 ORDER BY m.arrival LIMIT $2
            """, [.int(queueID), .int(Int64(limit))], doing: "peeking at \(queue)")
        var messages: [StoredMessage] = []
        messages.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            var message = try readMessage(rows, row: row, from: 2, queue: queue)
            let due = PostgresTime.date(rows.int64(row, 1) ?? 0)
            switch rows.int64(row, 0) {
            case State.delayed: message.state = .delayed(until: due)
            case State.inFlight: message.state = .inFlight(until: due)
            default: message.state = .visible
            }
            messages.append(message)
        }
        return messages
    }

    /// Counts the messages of `queue` by state, with the messages from it now in a
    /// dead-letter queue: the sum of `qf_queue_counts`, never a count of rows.
    ///
    /// One pipelined round trip: promote what is due; fold the queue's count rows into one
    /// when there are more than ``foldThreshold`` and no other transaction is folding them;
    /// sum. A call that finds nothing to promote or fold writes nothing, so its commit does
    /// not wait for the disk (hosts call this every scale interval; operators poll it).
    /// Call it outside a transaction (`run(transaction: false)`).
    func stats(for queue: String) throws -> QueueStats {
        guard let queueID = try queueID(queue) else { return QueueStats() }
        let answers = try connection.pipeline([
            PostgresStatement(Self.promoteDueSQL, [.int(queueID), now], doing: "making due messages of \(queue) visible"),
            PostgresStatement("""
                WITH gone AS (
                    DELETE FROM qf_queue_counts WHERE queue_id = $1
                        AND (SELECT count(*) FROM qf_queue_counts WHERE queue_id = $1) > $3
                        AND (SELECT pg_try_advisory_xact_lock($2))
                    RETURNING *)
                INSERT INTO qf_queue_counts
                SELECT $1, coalesce(sum(visible), 0), coalesce(sum(delayed), 0), coalesce(sum(in_flight), 0),
                    coalesce(sum(dead_lettered), 0)
                FROM gone HAVING count(*) > 0
                """, [.int(queueID), .int(PostgresSchema.countLockBase | (queueID & 0xFFFF_FFFF)), .int(Self.foldThreshold)],
                doing: "counting \(queue)"),
            PostgresStatement("""
                SELECT coalesce(sum(visible), 0), coalesce(sum(delayed), 0), coalesce(sum(in_flight), 0),
                    coalesce(sum(dead_lettered), 0),
                    (SELECT enqueued_at FROM qf_messages WHERE queue_id = $1 ORDER BY arrival LIMIT 1),
                    (SELECT count(*) FROM qf_messages WHERE queue_id = $1 AND state = 1 AND receive_count = 0)
                FROM qf_queue_counts WHERE queue_id = $1
                """, [.int(queueID)], doing: "counting \(queue)"),
        ])
        let rows = answers[2]
        return QueueStats(
            visible: rows.int(0, 0), delayed: rows.int(0, 1), inFlight: rows.int(0, 2),
            oldestEnqueuedAt: rows.int64(0, 4).map(PostgresTime.date), deadLettered: rows.int(0, 3),
            scheduled: rows.int(0, 5)
        )
    }

    /// A queue's count rows are folded into one by ``stats(for:)`` once there are more than
    /// this many: summing a few rows costs less than writing (and flushing) a fold.
    static let foldThreshold: Int64 = 32

    /// The names of the queues holding at least one message, sorted.
    func queueNames() throws -> [String] {
        let rows = try connection.execute("""
            SELECT q.name FROM qf_queues AS q
            JOIN (SELECT queue_id, sum(visible + delayed + in_flight) AS total FROM qf_queue_counts GROUP BY queue_id) AS c
                ON c.queue_id = q.id
            WHERE c.total > 0
            """, doing: "listing queues")
        return (0..<rows.count).compactMap { rows.text($0, 0) }.sorted()
    }

    /// When a waiter on `queue` should look again, as nanoseconds on the store's clock,
    /// with that clock's "now": nil when a message is visible now, else the next due
    /// time (nil when nothing is due).
    func wakeTime(for queue: String) throws -> (now: Int64, visible: Bool, nextDue: Int64?) {
        guard let queueID = try queueID(queue) else {
            let rows = try connection.execute("SELECT qf_now($1)", [now], doing: "reading the time")
            return (rows.int64(0, 0) ?? 0, false, nil)
        }
        // Visible rows that another worker's receive holds locked are being leased: they do
        // not count, or every idle worker of every host would spin on receive → empty →
        // "visible" until that receive commits (on a loaded machine, a livelock). A queue
        // with groups cannot lock through its candidates' UNION and keeps the plain check.
        // One pipelined round trip: the first statement promotes and records whether the
        // queue holds FIFO groups, the second picks its check by that.
        let answers = try connection.pipeline([
            PostgresStatement("""
                WITH promoted AS (\(Self.promoteDueSQL) RETURNING 1)
                SELECT set_config('\(Self.groupedSetting)',
                    EXISTS (SELECT 1 FROM qf_messages WHERE queue_id = $1 AND group_id IS NOT NULL)::text, true)
                """, [.int(queueID), now], doing: "making due messages of \(queue) visible"),
            PostgresStatement("""
                SELECT qf_now($2),
                    CASE WHEN current_setting('\(Self.groupedSetting)', true) = 'true'
                        THEN EXISTS (\(Self.receivableCandidates(queue: "$1", limit: "1")))
                        ELSE EXISTS (SELECT 1 FROM qf_messages WHERE queue_id = $1 AND state = 0 AND group_id IS NULL
                                     LIMIT 1 FOR UPDATE SKIP LOCKED) END,
                    (SELECT min(pos) FROM qf_messages WHERE queue_id = $1 AND state = 1),
                    (SELECT min(pos) FROM qf_messages WHERE queue_id = $1 AND state = 2)
                """, [.int(queueID), now], doing: "checking \(queue) for due messages"),
        ])
        let rows = answers[1]
        let dues = [rows.int64(0, 2), rows.int64(0, 3)].compactMap { $0 }
        return (rows.int64(0, 0) ?? 0, rows.bool(0, 1), dues.min())
    }
}
