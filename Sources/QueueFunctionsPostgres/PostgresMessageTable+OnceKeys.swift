import Foundation
import QueueFunctions

extension PostgresMessageTable {
    /// The migration step that creates `qf_once_keys` (its own step, so it can be renumbered).
    static let onceKeysMigration = """
        CREATE TABLE qf_once_keys (
            key    text PRIMARY KEY,
            -- The running claim's token; NULL once the body succeeded.
            token  text,
            -- Running: when the claim lapses. Completed: when the key is forgotten (ns).
            until  int8 NOT NULL,
            -- The first run's encoded result, once completed.
            result bytea
        );
        CREATE INDEX qf_once_keys_by_until ON qf_once_keys (until);
        """

    /// Claims `key` (`INSERT … ON CONFLICT`): a concurrent claimant on any host waits for
    /// this transaction, then finds the key running.
    func claimOnce(_ key: String, for duration: Duration) throws -> OnceClaim {
        try connection.execute(
            "DELETE FROM qf_once_keys WHERE key IN (SELECT key FROM qf_once_keys WHERE until <= qf_now($1) LIMIT 100)",
            [now], doing: "forgetting expired once-keys"
        )
        let token = MessageID.generate().rawValue
        let claimed = try connection.execute("""
            INSERT INTO qf_once_keys (key, token, until, result) VALUES ($1, $2, qf_now($3) + $4, NULL)
            ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, until = EXCLUDED.until, result = NULL
                WHERE qf_once_keys.until <= qf_now($3)
            RETURNING token
            """, [.text(key), .text(token), now, .int(PostgresTime.nanos(duration))],
            doing: "claiming once-key \(key)")
        if claimed.count > 0 { return .claimed(token: token) }
        let existing = try connection.execute(
            "SELECT token, until, result FROM qf_once_keys WHERE key = $1", [.text(key)], doing: "reading once-key \(key)"
        )
        guard existing.count > 0, let until = existing.int64(0, 1) else {
            throw QueueStoreError(.busy, "once-key \(key) changed while it was being claimed on \(connection.target); retry")
        }
        if existing.isNull(0, 0) { return .completed(result: existing.bytes(0, 2)) }
        return .running(until: PostgresTime.date(until))
    }

    /// Completes the claim `token` on `key` with `result`, kept for `ttl`.
    func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) throws -> Bool {
        let rows = try connection.execute("""
            UPDATE qf_once_keys SET token = NULL, until = qf_now($3) + $4, result = $5
            WHERE key = $1 AND token = $2 RETURNING key
            """, [.text(key), .text(token), now, .int(PostgresTime.nanos(ttl)), .bytes(result)],
            doing: "completing once-key \(key)")
        return rows.count > 0
    }

    /// Forgets the claim `token` on `key`.
    func abandonOnce(_ key: String, token: String) throws {
        try connection.execute(
            "DELETE FROM qf_once_keys WHERE key = $1 AND token = $2", [.text(key), .text(token)], doing: "abandoning once-key \(key)"
        )
    }
}

extension PostgresQueueStore: OnceKeyStore {
    /// Claims `key` in the database, for every host.
    public func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim {
        try await run { try $0.claimOnce(key, for: duration) }
    }

    /// Records the result of the claim `token`, kept for `ttl`.
    public func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool {
        try await run { try $0.completeOnce(key, token: token, result: result, ttl: ttl) }
    }

    /// Forgets the claim `token`.
    public func abandonOnce(_ key: String, token: String) async throws {
        try await run { try $0.abandonOnce(key, token: token) }
    }
}
