import QueueFunctions
import Foundation

/// The hot path of every finished batch: ack it and lease the next one, in two statements
/// (besides BEGIN and COMMIT) rather than four.
extension PostgresMessageTable {
    /// Deletes the messages of the current tokens among `tokens`, promotes the due messages
    /// of `queue` and leases up to `maxCount` of them.
    ///
    /// The first statement acks, promotes and checks for FIFO groups at once; the messages
    /// it deletes are left out of the promotion (one statement may not change a row twice),
    /// so a lapsed lease that is acked is deleted, as on the other engines.
    ///
    /// - Returns: One result per token (a token given twice is applied once, then stale),
    ///   the FIFO groups whose head an ack removed (by queue, for the caller to notify) and the leases;
    ///   nil when `queue` has never held a message (the caller takes the general path).
    func ackAndReceive(
        _ tokens: [LeaseToken], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) throws -> (results: [SettleResult], released: [String: Int], leases: [Lease])? {
        guard let queueID = try queueID(queue) else { return nil }
        let ids = PostgresValue.text(PostgresArrayLiteral.text(tokens.map(\.messageID.rawValue)))
        let rows = try connection.execute("""
            WITH acked AS (
                DELETE FROM qf_messages AS m USING unnest($3::text[], $4::int8[]) AS t (id, receipt)
                WHERE m.id = t.id AND m.receipt = t.receipt AND m.state = 2
                RETURNING m.id, m.receipt, m.group_id, m.queue_id),
            promoted AS (
                UPDATE qf_messages AS m SET state = 0, pos = due.new_pos
                FROM (SELECT id, nextval('qf_order') AS new_pos FROM (
                        SELECT id FROM qf_messages
                        WHERE queue_id = $1 AND state IN (1, 2) AND pos <= qf_now($2)
                            AND NOT (state = 2 AND (id, receipt) IN (SELECT * FROM unnest($3::text[], $4::int8[])))
                        ORDER BY pos, arrival FOR UPDATE SKIP LOCKED) AS ordered) AS due
                WHERE m.id = due.id)
            SELECT a.id, a.receipt, a.group_id, a.queue_id, NULL::bool FROM acked AS a
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, EXISTS (SELECT 1 FROM qf_messages WHERE queue_id = $1 AND group_id IS NOT NULL)
            """, [.int(queueID), now, ids, .text(PostgresArrayLiteral.integers(tokens.map { Int64(bitPattern: $0.receipt) }))],
            doing: "acknowledging \(tokens.count) message(s) and receiving from \(queue)")
        var deleted: Set<LeaseToken> = []
        var released: [String: Int] = [:]
        var grouped = true
        for row in 0..<rows.count {
            guard let id = rows.text(row, 0) else {
                grouped = rows.bool(row, 4)
                continue
            }
            deleted.insert(LeaseToken(messageID: MessageID(id), receipt: UInt64(bitPattern: rows.int64(row, 1) ?? 0)))
            // Acking a group's head lets its next message be received: wake a waiter.
            if rows.text(row, 2) != nil, let ackedQueue = rows.int64(row, 3), let name = try queueName(ackedQueue) {
                released[name, default: 0] += 1
            }
        }
        let results: [SettleResult] = tokens.map { deleted.remove($0) == nil ? .staleLease : .applied }
        let leases = maxCount > 0
            ? try lease(queueID: queueID, queue: queue, grouped: grouped, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
            : []
        return (results, released, leases)
    }
}
