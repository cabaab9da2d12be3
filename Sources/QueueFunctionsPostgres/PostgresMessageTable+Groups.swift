import QueueFunctions
import Foundation

/// FIFO groups, priorities and cancelling on PostgreSQL.
///
/// A group's messages are received one at a time, in arrival order, by every host: a
/// receive considers only each group's first message (its head, lowest `arrival` in the
/// queue, in any state) and takes it when it is visible. The head's row exists until it
/// is acked, dead-lettered, redriven or cancelled and that commits, so no transaction can
/// see the next message as a head while the head is in flight or being settled; and
/// `FOR UPDATE SKIP LOCKED` keeps two hosts from leasing the same head.
extension PostgresMessageTable {
    /// A query of the ids that a receive of `queue` may lease, up to `limit`, best first:
    /// ungrouped visible messages by priority then receive order, and every group's head
    /// when it is visible. Groups are found by a skip scan of the group index, so the
    /// cost follows the number of groups, not of messages waiting behind their heads.
    static func receivableCandidates(queue: String, limit: String) -> String {
        """
        WITH RECURSIVE qf_groups (group_id) AS (
            (SELECT group_id FROM qf_messages WHERE queue_id = \(queue) AND group_id IS NOT NULL ORDER BY group_id LIMIT 1)
            UNION ALL
            SELECT (SELECT g2.group_id FROM qf_messages AS g2
                    WHERE g2.queue_id = \(queue) AND g2.group_id > g.group_id ORDER BY g2.group_id LIMIT 1)
            FROM qf_groups AS g WHERE g.group_id IS NOT NULL
        )
        SELECT c.id FROM (
            (SELECT id, priority, pos FROM qf_messages WHERE queue_id = \(queue) AND state = 0 AND group_id IS NULL
             ORDER BY priority DESC, pos LIMIT \(limit))
            UNION ALL
            SELECT h.id, h.priority, h.pos FROM qf_groups AS g
            CROSS JOIN LATERAL (SELECT f.id, f.state, f.priority, f.pos FROM qf_messages AS f
                                WHERE f.queue_id = \(queue) AND f.group_id = g.group_id
                                ORDER BY f.arrival LIMIT 1) AS h
            WHERE g.group_id IS NOT NULL AND h.state = 0
        ) AS c ORDER BY c.priority DESC, c.pos LIMIT \(limit)
        """
    }

    /// The name of the queue with row id `id`.
    func queueName(_ id: Int64) throws -> String? {
        if let cached = connection.queueIDs.first(where: { $0.value == id })?.key { return cached }
        let rows = try connection.execute("SELECT name FROM qf_queues WHERE id = $1", [.int(id)], doing: "looking up queue \(id)")
        return rows.count > 0 ? rows.text(0, 0) : nil
    }

    /// Deletes message `id` of `queue` unless it is in flight.
    func cancel(_ id: MessageID, on queue: String) throws -> CancelResult {
        guard let queueID = try queueID(queue) else { return .notFound }
        let deleted = try connection.execute(
            "DELETE FROM qf_messages WHERE id = $1 AND queue_id = $2 AND state <> 2 RETURNING group_id",
            [.text(id.rawValue), .int(queueID)], doing: "cancelling message \(id)"
        )
        if deleted.count > 0 {
            if deleted.text(0, 0) != nil { try notify(queue, count: 1) }
            return .cancelled
        }
        let rows = try connection.execute(
            "SELECT 1 FROM qf_messages WHERE id = $1 AND queue_id = $2", [.text(id.rawValue), .int(queueID)],
            doing: "cancelling message \(id)"
        )
        return rows.count > 0 ? .inFlight : .notFound
    }
}
