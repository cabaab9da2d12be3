import QueueFunctions
import Foundation

/// Settling and extending leases. A token settles its message only while it is the
/// current delivery's (same receipt, still in flight); a stale token changes nothing.
extension PostgresMessageTable {
    /// The leased message a token settles, locked, when the token is current.
    private struct LeasedRow {
        var queueID: Int64
        var queue: String
        var receiveCount: Int64
        var failures: [FailureRecord]
        var groupID: String?
    }

    /// Applies `settlements` in order.
    ///
    /// - Returns: One result per settlement, and how many messages became visible per queue.
    func settle(_ settlements: [Settlement]) throws -> (results: [SettleResult], wake: [String: Int]) {
        var released: [String: Int] = [:]
        var outcome = try settle(settlements, releasedGroups: &released)
        try notifyReleased(released, into: &outcome.wake)
        return outcome
    }

    /// Applies `settlements` in order; the FIFO groups whose head an ack removed go to
    /// `released` instead of being notified, so that a caller that receives next in the same
    /// transaction (and so takes the released messages itself) wakes nobody for them.
    ///
    /// - Returns: One result per settlement, and how many messages became visible per queue.
    func settle(
        _ settlements: [Settlement], releasedGroups released: inout [String: Int]
    ) throws -> (results: [SettleResult], wake: [String: Int]) {
        var results: [SettleResult] = []
        results.reserveCapacity(settlements.count)
        var wake: [String: Int] = [:]
        var index = 0
        while index < settlements.count {
            let settlement = settlements[index]
            if case .ack = settlement.action {
                // A run of acks is one statement: the hot path of every finished batch.
                var end = index
                while end < settlements.count, case .ack = settlements[end].action { end += 1 }
                results += try ack(settlements[index..<end].map(\.token), wake: &released)
                index = end
                continue
            }
            index += 1
            guard let row = try leasedRow(settlement.token) else {
                results.append(.staleLease)
                continue
            }
            switch settlement.action {
            case .ack:
                break
            case .retry(let delay, let failure):
                try retry(settlement.token, row, after: delay, failure: failure)
                if delay <= .zero { wake[row.queue, default: 0] += 1 }
            case .deadLetter(let target, let failure):
                try deadLetter(settlement.token, row, to: target, failure: failure)
                wake[target, default: 0] += 1
                // The next message of its group may be received now.
                if row.groupID != nil { wake[row.queue, default: 0] += 1 }
            case .abandon:
                try abandon(settlement.token)
                wake[row.queue, default: 0] += 1
            }
            results.append(.applied)
        }
        for (queue, count) in wake.sorted(by: { $0.key < $1.key }) { try notify(queue, count: count) }
        return (results, wake)
    }

    /// Notifies the queues of `released` group heads and adds them to `wake`.
    func notifyReleased(_ released: [String: Int], into wake: inout [String: Int]) throws {
        for (queue, count) in released.sorted(by: { $0.key < $1.key }) {
            try notify(queue, count: count)
            wake[queue, default: 0] += count
        }
    }

    /// Notifies `released` after a receive of `queue` that took `leased` of `maxCount`
    /// messages in the same transaction. When it came up short it took every message the
    /// releases made receivable, so nobody is woken for `queue`; when it was full, one
    /// waiter is woken for what may be left (it wakes the next in turn when it settles),
    /// rather than one per released group, most of whom would find nothing.
    func notifyReleased(_ released: [String: Int], afterReceiving leased: Int, of maxCount: Int, from queue: String,
                        into wake: inout [String: Int]) throws {
        var rest = released
        if rest[queue] != nil { rest[queue] = leased < maxCount ? nil : 1 }
        try notifyReleased(rest, into: &wake)
    }

    /// Renews a current lease so that it lapses `visibilityTimeout` from now.
    func extend(_ token: LeaseToken, visibilityTimeout: Duration) throws -> SettleResult {
        let rows = try connection.execute(
            "UPDATE qf_messages SET pos = coalesce($5, qf_now($1) + $2) WHERE id = $3 AND receipt = $4 AND state = 2",
            [now, .int(PostgresTime.nanos(visibilityTimeout)), .text(token.messageID.rawValue),
             .int(Int64(bitPattern: token.receipt)), hostTime(after: visibilityTimeout)],
            doing: "extending the lease of message \(token.messageID)"
        )
        return rows.changed == 1 ? .applied : .staleLease
    }

    // MARK: - Steps

    /// Deletes the messages of every current token in `tokens`, in one statement.
    ///
    /// - Returns: One result per token: a token given twice is applied once, then stale.
    private func ack(_ tokens: [LeaseToken], wake: inout [String: Int]) throws -> [SettleResult] {
        let rows = try connection.execute("""
            DELETE FROM qf_messages AS m USING unnest($1::text[], $2::int8[]) AS t (id, receipt)
            WHERE m.id = t.id AND m.receipt = t.receipt AND m.state = 2
            RETURNING m.id, m.receipt, m.group_id, m.queue_id
            """, [.text(PostgresArrayLiteral.text(tokens.map(\.messageID.rawValue))),
                  .text(PostgresArrayLiteral.integers(tokens.map { Int64(bitPattern: $0.receipt) }))],
            doing: "acknowledging \(tokens.count) message(s)")
        var deleted: Set<LeaseToken> = []
        for row in 0..<rows.count {
            let receipt = UInt64(bitPattern: rows.int64(row, 1) ?? 0)
            deleted.insert(LeaseToken(messageID: MessageID(rows.text(row, 0) ?? ""), receipt: receipt))
            // Acking a group's head lets its next message be received: wake a waiter.
            if rows.text(row, 2) != nil, let queueID = rows.int64(row, 3), let name = try queueName(queueID) {
                wake[name, default: 0] += 1
            }
        }
        return tokens.map { deleted.remove($0) == nil ? .staleLease : .applied }
    }

    private func leasedRow(_ token: LeaseToken) throws -> LeasedRow? {
        let rows = try connection.execute("""
            SELECT m.queue_id, q.name, m.receive_count, m.failures, m.group_id
            FROM qf_messages AS m JOIN qf_queues AS q ON q.id = m.queue_id
            WHERE m.id = $1 AND m.receipt = $2 AND m.state = 2
            FOR UPDATE OF m
            """, [.text(token.messageID.rawValue), .int(Int64(bitPattern: token.receipt))],
            doing: "settling message \(token.messageID)")
        guard rows.count > 0 else { return nil }
        return LeasedRow(
            queueID: rows.int64(0, 0) ?? 0, queue: rows.text(0, 1) ?? "", receiveCount: rows.int64(0, 2) ?? 0,
            failures: try StoredFailureText.decode(
                rows.text(0, 3), messageID: token.messageID.rawValue, location: "\(connection.target)"
            ),
            groupID: rows.text(0, 4)
        )
    }

    private func retry(_ token: LeaseToken, _ row: LeasedRow, after delay: Duration, failure: FailureRecord) throws {
        try connection.execute("""
            UPDATE qf_messages SET state = CASE WHEN $2 > 0 THEN 1 ELSE 0 END,
                pos = CASE WHEN $2 > 0 THEN coalesce($5, qf_now($1) + $2) ELSE nextval('qf_order') END, failures = $3
            WHERE id = $4
            """, [now, .int(PostgresTime.nanos(delay)), failuresValue(row.failures + [failure]), .text(token.messageID.rawValue),
                  hostTime(after: delay)],
            doing: "retrying message \(token.messageID)")
    }

    private func deadLetter(_ token: LeaseToken, _ row: LeasedRow, to target: String, failure: FailureRecord) throws {
        let targetID = try queueIDCreating(target)
        try connection.execute("""
            UPDATE qf_messages SET arrival = nextval('qf_arrival'), queue_id = $2, state = 0, pos = nextval('qf_order'),
                enqueued_at = qf_now($1), failures = $3, dl_source = $4, dl_receive_count = $5, dl_reason = $6,
                dl_at = qf_now($1)
            WHERE id = $7
            """, [now, .int(targetID), failuresValue(row.failures + [failure]), .text(row.queue), .int(row.receiveCount),
                  .text(failure.error), .text(token.messageID.rawValue)],
            doing: "dead-lettering message \(token.messageID) to \(target)")
    }

    private func abandon(_ token: LeaseToken) throws {
        try connection.execute("""
            UPDATE qf_messages SET state = 0, pos = -nextval('qf_front'), receive_count = greatest(0, receive_count - 1),
                first_received_at = CASE WHEN receive_count <= 1 THEN NULL ELSE first_received_at END
            WHERE id = $1
            """, [.text(token.messageID.rawValue)], doing: "abandoning message \(token.messageID)")
    }

    private func failuresValue(_ failures: [FailureRecord]) throws -> PostgresValue {
        try StoredFailureText.encode(failures).map { .text($0) } ?? .null
    }
}
