import QueueFunctions
import Foundation

/// Settling and extending leases.
extension SQLiteMessageTable {
    /// The leased message a token settles, when the token is current.
    private struct LeasedRow {
        var seq: Int64
        var queueID: Int64
        var queue: String
        var receiveCount: Int64
        var failures: [FailureRecord]
        /// The queue the message was dead-lettered from, when it was.
        var deadLetterSource: String?
        /// Its FIFO group, if any.
        var groupID: String?
    }

    /// Applies `settlements` in order.
    ///
    /// - Returns: One result per settlement, and how many messages became visible per queue.
    func settle(_ settlements: [Settlement], now: Date) throws -> (results: [SettleResult], wake: [String: Int]) {
        var results: [SettleResult] = []
        results.reserveCapacity(settlements.count)
        var wake: [String: Int] = [:]
        for settlement in settlements {
            if case .ack = settlement.action {
                results.append(try ack(settlement.token, now: now, wake: &wake) ? .applied : .staleLease)
                continue
            }
            guard let row = try leasedRow(settlement.token) else {
                results.append(.staleLease)
                continue
            }
            switch settlement.action {
            case .ack:
                break
            case .retry(let delay, let failure):
                try retry(row, after: delay, failure: failure, now: now)
                if delay <= .zero { wake[row.queue, default: 0] += 1 }
            case .deadLetter(let target, let failure):
                if try deadLetter(row, to: target, failure: failure, now: now) { wake[target, default: 0] += 1 }
                if let group = row.groupID, try releaseGroup(group, in: row.queueID, now: now) > 0 {
                    wake[row.queue, default: 0] += 1
                }
            case .abandon:
                try abandon(row)
                wake[row.queue, default: 0] += 1
            }
            results.append(.applied)
        }
        return (results, wake)
    }

    /// Renews a current lease so that it lapses at `expiry`.
    func extend(_ token: LeaseToken, expiry: Date) throws -> SettleResult {
        let update = try connection.statement(
            "UPDATE messages SET pos = ?1 WHERE id = ?2 AND receipt = ?3 AND state = 2"
        )
        defer { update.reset() }
        update.bind(1, SQLiteTime.nanos(expiry))
        update.bind(2, token.messageID.rawValue)
        update.bind(3, Int64(bitPattern: token.receipt))
        try update.run()
        return connection.changes == 1 ? .applied : .staleLease
    }

    // MARK: - Steps

    private func ack(_ token: LeaseToken, now: Date, wake: inout [String: Int]) throws -> Bool {
        let delete = try connection.statement(
            "DELETE FROM messages WHERE id = ?1 AND receipt = ?2 AND state = 2 RETURNING queue_id, dl_source, group_id"
        )
        delete.bind(1, token.messageID.rawValue)
        delete.bind(2, Int64(bitPattern: token.receipt))
        guard try delete.step() else {
            delete.reset()
            return false
        }
        let queueID = delete.int64(0)
        let source = delete.optionalText(1)
        let group = delete.optionalText(2)
        while try delete.step() {}
        delete.reset()
        counts.add(queueID, inFlight: -1)
        if let source { try addDeadLettered(source: source, -1) }
        if let group, try releaseGroup(group, in: queueID, now: now) > 0, let name = try queueName(queueID) {
            wake[name, default: 0] += 1
        }
        return true
    }

    private func leasedRow(_ token: LeaseToken) throws -> LeasedRow? {
        let select = try connection.statement("""
            SELECT m.seq, m.queue_id, q.name, m.receive_count, m.failures, m.dl_source, m.group_id
            FROM messages AS m JOIN queues AS q ON q.id = m.queue_id
            WHERE m.id = ?1 AND m.receipt = ?2 AND m.state = 2
            """)
        defer { select.reset() }
        select.bind(1, token.messageID.rawValue)
        select.bind(2, Int64(bitPattern: token.receipt))
        guard try select.step() else { return nil }
        return LeasedRow(
            seq: select.int64(0), queueID: select.int64(1), queue: select.text(2), receiveCount: select.int64(3),
            failures: try StoredFailureText.decode(
                select.optionalText(4), messageID: token.messageID.rawValue, location: connection.path
            ),
            deadLetterSource: select.optionalText(5), groupID: select.optionalText(6)
        )
    }

    private func retry(_ row: LeasedRow, after delay: Duration, failure: FailureRecord, now: Date) throws {
        let update = try connection.statement("UPDATE messages SET state = ?1, pos = ?2, failures = ?3 WHERE seq = ?4")
        if delay > .zero {
            update.bind(1, SQLiteMessageTable.State.delayed)
            update.bind(2, SQLiteTime.nanos(now.adding(delay)))
            counts.add(row.queueID, delayed: 1, inFlight: -1)
        } else {
            let back = try backPosition(row.queueID)
            update.bind(1, SQLiteMessageTable.State.visible)
            update.bind(2, back)
            counts.add(row.queueID, visible: 1, inFlight: -1)
        }
        defer { update.reset() }
        update.bind(3, try StoredFailureText.encode(row.failures + [failure]))
        update.bind(4, row.seq)
        try update.run()
    }

    /// - Returns: Whether the message is visible in `target` (not held behind its group).
    private func deadLetter(_ row: LeasedRow, to target: String, failure: FailureRecord, now: Date) throws -> Bool {
        let targetID = try queueIDCreating(target)
        let back = try backPosition(targetID)
        let seq = try nextSeq(targetID, name: target)
        let update = try connection.statement("""
            UPDATE messages SET seq = ?9, queue_id = ?1, state = 0, pos = ?2,
                enqueued_at = ?3, failures = ?4, dl_source = ?5, dl_receive_count = ?6, dl_reason = ?7, dl_at = ?3
            WHERE seq = ?8
            """)
        defer { update.reset() }
        update.bind(1, targetID)
        update.bind(2, back)
        update.bind(3, SQLiteTime.nanos(now))
        update.bind(4, try StoredFailureText.encode(row.failures + [failure]))
        update.bind(5, row.queue)
        update.bind(6, row.receiveCount)
        update.bind(7, failure.error)
        update.bind(8, row.seq)
        update.bind(9, seq)
        try update.run()
        counts.add(row.queueID, inFlight: -1)
        counts.add(targetID, visible: 1)
        if let previous = row.deadLetterSource { try addDeadLettered(source: previous, -1) }
        counts.add(row.queueID, deadLettered: 1)
        return try !holdIfGroupBusy(seq, group: row.groupID, in: targetID)
    }

    private func abandon(_ row: LeasedRow) throws {
        let front = try frontPosition(row.queueID)
        let update = try connection.statement("""
            UPDATE messages SET state = 0, pos = ?1, receive_count = max(0, receive_count - 1),
                first_received_at = CASE WHEN receive_count <= 1 THEN NULL ELSE first_received_at END
            WHERE seq = ?2
            """)
        defer { update.reset() }
        update.bind(1, front)
        update.bind(2, row.seq)
        try update.run()
        counts.add(row.queueID, visible: 1, inFlight: -1)
    }
}
