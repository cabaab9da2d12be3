import Foundation
import QueueFunctions

extension PostgresMessageTable {
    /// Sends `message` unless `key` names a message sent within its window. The key is
    /// claimed first (`INSERT … ON CONFLICT`): a concurrent sender with the same key, on any
    /// host, waits for this transaction and then finds the key taken, so one message is stored.
    ///
    /// - Returns: The receipt, and how many messages became visible.
    func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration
    ) throws -> (receipt: SendReceipt, visible: Int) {
        try connection.execute(
            "DELETE FROM qf_dedup_keys WHERE key IN (SELECT key FROM qf_dedup_keys WHERE expires_at <= qf_now($1) LIMIT 100)",
            [now], doing: "forgetting expired deduplication keys"
        )
        let claimed = try connection.execute("""
            INSERT INTO qf_dedup_keys (key, message_id, expires_at) VALUES ($1, $2, qf_now($3) + $4)
            ON CONFLICT (key) DO UPDATE SET message_id = EXCLUDED.message_id, expires_at = EXCLUDED.expires_at
                WHERE qf_dedup_keys.expires_at <= qf_now($3)
            RETURNING message_id
            """, [.text(key), .text(message.id.rawValue), now, .int(PostgresTime.nanos(window))],
            doing: "claiming deduplication key \(key)")
        guard claimed.count == 0 else {
            return (SendReceipt(id: message.id, isDuplicate: false), try send([message], to: queue))
        }
        let existing = try connection.execute(
            "SELECT message_id FROM qf_dedup_keys WHERE key = $1", [.text(key)], doing: "reading deduplication key \(key)"
        )
        guard existing.count > 0, let id = existing.text(0, 0) else {
            throw QueueStoreError(.busy, "deduplication key \(key) changed while it was being claimed on \(connection.target); retry the send")
        }
        return (SendReceipt(id: MessageID(id), isDuplicate: true), 0)
    }

    /// Records `host` as alive now; forgets hosts silent for an hour.
    func heartbeat(_ host: HostRecord) throws {
        let record = String(decoding: try JSONEncoder().encode(host), as: UTF8.self)
        // One pipelined round trip (one implicit transaction outside the caller's).
        _ = try connection.pipeline([
            PostgresStatement("""
                INSERT INTO qf_hosts (id, record, last_seen) VALUES ($1, $2, qf_now($3))
                ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, last_seen = EXCLUDED.last_seen
                """, [.text(host.id), .text(record), now], doing: "recording the heartbeat of host \(host.id)"),
            PostgresStatement(
                "DELETE FROM qf_hosts WHERE last_seen < qf_now($1) - 3600000000000", [now], doing: "forgetting silent hosts"
            ),
        ])
    }

    /// The hosts heard from within `window`, oldest start first.
    func hosts(seenWithin window: Duration) throws -> [HostRecord] {
        let rows = try connection.execute(
            "SELECT record, last_seen FROM qf_hosts WHERE last_seen >= qf_now($1) - $2",
            [now, .int(PostgresTime.nanos(window))], doing: "listing live hosts"
        )
        let decoder = JSONDecoder()
        var hosts: [HostRecord] = []
        for row in 0..<rows.count {
            // A record this build cannot read (written by another version) is skipped, not fatal.
            guard let text = rows.text(row, 0), var host = try? decoder.decode(HostRecord.self, from: Data(text.utf8)),
                  let lastSeen = rows.int64(row, 1) else { continue }
            host.lastSeen = PostgresTime.date(lastSeen)
            hosts.append(host)
        }
        return hosts.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    /// Forgets the host with `id`.
    func removeHost(id: String) throws {
        try connection.execute("DELETE FROM qf_hosts WHERE id = $1", [.text(id)], doing: "removing host \(id)")
    }
}
