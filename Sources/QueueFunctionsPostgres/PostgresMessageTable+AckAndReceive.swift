import QueueFunctions
import Foundation

/// The hot path of every finished batch: ack it and lease the next ones, in one round trip.
extension PostgresMessageTable {
    /// Deletes the messages of the current tokens among `tokens` (none for a plain receive),
    /// promotes the due messages of `queue` and leases up to `maxCount` of them, as one
    /// pipeline: one round trip and one implicit transaction, which commits at its sync.
    /// Call it outside a transaction (`run(transaction: false)`).
    ///
    /// The first statement acks, promotes and records in ``groupedSetting`` whether the
    /// queue holds FIFO groups; the messages it deletes are left out of the promotion (one
    /// statement may not change a row twice), so a lapsed lease that is acked is deleted, as
    /// on the other engines. Both lease forms follow in the same flight, each gated on that
    /// setting, so exactly one of them leases.
    ///
    /// - Returns: One result per token (a token given twice is applied once, then stale),
    ///   the FIFO groups whose head an ack removed (by queue, for the caller to notify) and the leases;
    ///   nil when `queue` has never held a message (the caller takes the general path).
    func ackAndReceive(
        _ tokens: [LeaseToken], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) throws -> (results: [SettleResult], released: [String: Int], leases: [Lease])? {
        guard let queueID = try queueID(queue) else { return nil }
        let ids = PostgresValue.text(PostgresArrayLiteral.text(tokens.map(\.messageID.rawValue)))
        let receipts = PostgresValue.text(PostgresArrayLiteral.integers(tokens.map { Int64(bitPattern: $0.receipt) }))
        var statements = [PostgresStatement("""
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
            SELECT NULL, NULL, NULL, NULL, set_config('\(Self.groupedSetting)',
                EXISTS (SELECT 1 FROM qf_messages WHERE queue_id = $1 AND group_id IS NOT NULL)::text, true)::bool
            """, [.int(queueID), now, ids, receipts],
            doing: "acknowledging \(tokens.count) message(s) and receiving from \(queue)")]
        if maxCount > 0 {
            for grouped in [false, true] {
                statements.append(leaseStatement(
                    queueID: queueID, queue: queue, form: .when(grouped: grouped), maxCount: maxCount,
                    visibilityTimeout: visibilityTimeout
                ))
            }
        }
        let answers = try connection.pipeline(statements)
        let rows = answers[0]
        var deleted: Set<LeaseToken> = []
        var released: [String: Int] = [:]
        for row in 0..<rows.count {
            guard let id = rows.text(row, 0) else { continue }
            deleted.insert(LeaseToken(messageID: MessageID(id), receipt: UInt64(bitPattern: rows.int64(row, 1) ?? 0)))
            // Acking a group's head lets its next message be received: wake a waiter.
            if rows.text(row, 2) != nil, let ackedQueue = rows.int64(row, 3), let name = try queueName(ackedQueue) {
                released[name, default: 0] += 1
            }
        }
        let results: [SettleResult] = tokens.map { deleted.remove($0) == nil ? .staleLease : .applied }
        var leases: [Lease] = []
        for answer in answers.dropFirst() { leases += try self.leases(answer, queue: queue) }
        return (results, released, leases)
    }
}
