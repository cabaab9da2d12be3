import QueueFunctions
import Foundation

/// Leasing messages.
///
/// A receive reads the chosen rows with one SELECT on the receive-order index, then
/// leases each by its row id. It avoids `UPDATE … WHERE seq IN (SELECT …) RETURNING`:
/// SQLite runs both the IN list and the RETURNING rows through temporary b-trees, and
/// each of those allocates and zero-fills a 4 KiB page per statement, which was a
/// tenth of the engine's instructions per message.
extension SQLiteMessageTable {
    /// Leases up to `maxCount` visible messages of `queue`: highest priority first, then
    /// in receive order.
    ///
    /// The rows are leased with one UPDATE per up to ``runLimit`` of them, by row id.
    /// Each lease's token carries the row's `seq` as its ``LeaseToken/engineKey``, so a
    /// settle finds the row by integer key.
    func receive(from queue: String, maxCount: Int, now: Date, expiry: Date) throws -> [Lease] {
        guard maxCount > 0, let queueID = try queueID(queue) else { return [] }
        try promoteDue(queueID, now: now)
        let select = try connection.statement("""
            SELECT seq, \(Self.messageColumns) FROM messages INDEXED BY messages_by_priority
            WHERE queue_id = ?1 AND state = 0 ORDER BY priority DESC, pos LIMIT ?2
            """)
        select.bind(1, queueID)
        select.bind(2, maxCount)
        var chosen: [(seq: Int64, message: StoredMessage)] = []
        chosen.reserveCapacity(maxCount)
        do {
            while try select.step() {
                chosen.append((select.int64(0), try readMessage(select, from: 1, queue: queue)))
            }
        } catch {
            select.reset()
            throw error
        }
        select.reset()
        guard !chosen.isEmpty else { return [] }
        let nowNanos = SQLiteTime.nanos(now)
        let firstReceived = SQLiteTime.date(nowNanos)
        // One UPDATE for the whole batch; each row's receipt is `base` XOR its seq (distinct
        // in the batch; `base` has its top bit set and seq never does, so never 0).
        let base = connection.nextReceipt() | (1 << 63)
        var start = 0
        while start < chosen.count {
            // At most `runLimit` rows a statement: SQLite nests each OR one level deeper.
            let chunk = chosen[start..<Swift.min(start + Self.runLimit, chosen.count)]
            let update = try connection.statement("lease", count: chunk.count) { count in
                """
                UPDATE messages SET state = 2, pos = ?1, receive_count = receive_count + 1,
                    first_received_at = coalesce(first_received_at, ?2), receipt = (?3 | seq) & ~(?3 & seq)
                WHERE \((0..<count).map { "(seq = ?\($0 + 4) AND state = 0)" }.joined(separator: " OR "))
                """
            }
            defer { update.reset() }
            update.bind(1, SQLiteTime.nanos(expiry))
            update.bind(2, nowNanos)
            update.bind(3, Int64(bitPattern: base))
            for (offset, row) in chunk.enumerated() { update.bind(Int32(offset + 4), row.seq) }
            try update.run()
            start += chunk.count
        }
        var leases: [Lease] = []
        leases.reserveCapacity(chosen.count)
        for (seq, message) in chosen {
            let receipt = base ^ UInt64(bitPattern: seq)
            var received = ReceivedMessage(
                id: message.id, queue: queue, body: message.body, sentAt: message.sentAt,
                receiveCount: message.receiveCount + 1, firstReceivedAt: message.firstReceivedAt ?? firstReceived,
                failures: message.failures, deadLetter: message.deadLetter, attributes: message.attributes
            )
            received.priority = message.priority
            received.groupID = message.groupID
            let token = LeaseToken(messageID: message.id, receipt: receipt, engineKey: seq)
            leases.append(Lease(message: received, token: token, expiresAt: expiry))
        }
        counts.add(queueID, visible: -leases.count, inFlight: leases.count)
        return leases
    }
}
