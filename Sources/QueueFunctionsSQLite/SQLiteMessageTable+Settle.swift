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
        var index = settlements.startIndex
        while index < settlements.endIndex {
            // A run of acks of this engine's tokens goes in a few statements (AckRun).
            let run = settlements[index...].prefix { $0.isAck && $0.token.engineKey != 0 }
            if run.count >= 2 {
                let applied = try ackRun(run.map(\.token)[...], now: now, wake: &wake)
                results += applied.map { $0 ? .applied : .staleLease }
                index += run.count
                continue
            }
            let settlement = settlements[index]
            index += 1
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
        let update = try token.engineKey != 0
            ? connection.statement("UPDATE messages SET pos = ?1 WHERE seq = ?4 AND id = ?2 AND receipt = ?3 AND state = 2")
            : connection.statement("UPDATE messages SET pos = ?1 WHERE id = ?2 AND receipt = ?3 AND state = 2")
        defer { update.reset() }
        update.bind(1, SQLiteTime.nanos(expiry))
        update.bind(2, token.messageID.rawValue)
        update.bind(3, Int64(bitPattern: token.receipt))
        if token.engineKey != 0 { update.bind(4, token.engineKey) }
        try update.run()
        return connection.changes == 1 ? .applied : .staleLease
    }

    // MARK: - Steps

    /// Deletes the message `token` settles, when the token is current.
    ///
    /// A token from this engine carries the row's `seq` (``LeaseToken/engineKey``): a plain
    /// message (no FIFO group, not dead-lettered) goes with one DELETE by row id and
    /// nothing read back. Otherwise, or when that deleted nothing, the row is read first.
    func ack(_ token: LeaseToken, now: Date, wake: inout [String: Int]) throws -> Bool {
        if token.engineKey != 0 {
            let delete = try connection.statement("""
                DELETE FROM messages
                WHERE seq = ?1 AND id = ?2 AND receipt = ?3 AND state = 2 AND group_id IS NULL AND dl_source IS NULL
                """)
            delete.bind(1, token.engineKey)
            delete.bind(2, token.messageID.rawValue)
            delete.bind(3, Int64(bitPattern: token.receipt))
            defer { delete.reset() }
            try delete.run()
            if connection.changes == 1 {
                counts.add(token.engineKey >> Self.arrivalBits, inFlight: -1)
                return true
            }
        }
        guard let row = try leasedRow(token) else { return false }
        let delete = try connection.statement("DELETE FROM messages WHERE seq = ?1")
        delete.bind(1, row.seq)
        defer { delete.reset() }
        try delete.run()
        counts.add(row.queueID, inFlight: -1)
        if let source = row.deadLetterSource { try addDeadLettered(source: source, -1) }
        if let group = row.groupID, try releaseGroup(group, in: row.queueID, now: now) > 0 {
            wake[row.queue, default: 0] += 1
        }
        return true
    }

    /// The current lease's row: found by `seq` when the token carries it, else by text id.
    private func leasedRow(_ token: LeaseToken) throws -> LeasedRow? {
        let columns = "m.seq, m.queue_id, q.name, m.receive_count, m.failures, m.dl_source, m.group_id"
        let select = try token.engineKey != 0
            ? connection.statement("""
                SELECT \(columns) FROM messages AS m JOIN queues AS q ON q.id = m.queue_id
                WHERE m.seq = ?3 AND m.id = ?1 AND m.receipt = ?2 AND m.state = 2
                """)
            : connection.statement("""
                SELECT \(columns) FROM messages AS m JOIN queues AS q ON q.id = m.queue_id
                WHERE m.id = ?1 AND m.receipt = ?2 AND m.state = 2
                """)
        defer { select.reset() }
        select.bind(1, token.messageID.rawValue)
        select.bind(2, Int64(bitPattern: token.receipt))
        if token.engineKey != 0 { select.bind(3, token.engineKey) }
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

extension Settlement {
    /// Whether this settlement acks its message.
    fileprivate var isAck: Bool {
        if case .ack = action { return true }
        return false
    }
}
