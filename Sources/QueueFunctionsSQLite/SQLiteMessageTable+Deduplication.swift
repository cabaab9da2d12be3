import Foundation
import QueueFunctions

extension SQLiteMessageTable {
    /// Sends `message` unless `key` names a message sent within its window: the check and
    /// the insert are one transaction, so concurrent senders (other processes too) store one.
    ///
    /// - Returns: The receipt, and how many messages became visible.
    func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration, now: Date
    ) throws -> (receipt: SendReceipt, visible: Int) {
        let nowNanos = SQLiteTime.nanos(now)
        let purge = try connection.statement(
            "DELETE FROM dedup_keys WHERE key IN (SELECT key FROM dedup_keys WHERE expires_at <= ?1 LIMIT 100)"
        )
        defer { purge.reset() }
        purge.bind(1, nowNanos)
        try purge.run()
        let select = try connection.statement("SELECT message_id FROM dedup_keys WHERE key = ?1 AND expires_at > ?2")
        defer { select.reset() }
        select.bind(1, key)
        select.bind(2, nowNanos)
        if try select.step() {
            return (SendReceipt(id: MessageID(select.text(0)), isDuplicate: true), 0)
        }
        let visible = try send([message], to: queue, now: now)
        let record = try connection.statement(
            "INSERT OR REPLACE INTO dedup_keys (key, message_id, expires_at) VALUES (?1, ?2, ?3)"
        )
        defer { record.reset() }
        record.bind(1, key)
        record.bind(2, message.id)
        record.bind(3, SQLiteTime.nanos(now.adding(window)))
        try record.run()
        return (SendReceipt(id: message.id, isDuplicate: false), visible)
    }
}
