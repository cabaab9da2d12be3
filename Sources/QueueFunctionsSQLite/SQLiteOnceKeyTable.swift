import Foundation
import QueueFunctions

/// The `once_keys` table: the keys of `context.once(key:)`, shared by every process of
/// the file and kept across restarts. Each call is one transaction.
struct SQLiteOnceKeyTable {
    let connection: SQLiteConnection

    /// The migration step that creates the table (its own step, so it can be renumbered).
    static let migration = """
        CREATE TABLE once_keys (
            key    TEXT PRIMARY KEY,
            -- The running claim's token; NULL once the body succeeded.
            token  TEXT,
            -- Running: when the claim lapses. Completed: when the key is forgotten (ns).
            until  INTEGER NOT NULL,
            -- The first run's encoded result, once completed.
            result BLOB
        ) WITHOUT ROWID;
        CREATE INDEX once_keys_by_until ON once_keys (until);
        """

    func claim(_ key: String, for duration: Duration, now: Date) throws -> OnceClaim {
        let nowNanos = SQLiteTime.nanos(now)
        let purge = try connection.statement(
            "DELETE FROM once_keys WHERE key IN (SELECT key FROM once_keys WHERE until <= ?1 LIMIT 100)"
        )
        defer { purge.reset() }
        purge.bind(1, nowNanos)
        try purge.run()
        let select = try connection.statement("SELECT token, until, result FROM once_keys WHERE key = ?1 AND until > ?2")
        defer { select.reset() }
        select.bind(1, key)
        select.bind(2, nowNanos)
        if try select.step() {
            if select.isNull(0) { return .completed(result: select.blob(2)) }
            return .running(until: SQLiteTime.date(select.int64(1)))
        }
        let token = MessageID.generate().rawValue
        let insert = try connection.statement("INSERT OR REPLACE INTO once_keys (key, token, until, result) VALUES (?1, ?2, ?3, NULL)")
        defer { insert.reset() }
        insert.bind(1, key)
        insert.bind(2, token)
        insert.bind(3, SQLiteTime.nanos(now.adding(duration)))
        try insert.run()
        return .claimed(token: token)
    }

    func complete(_ key: String, token: String, result: Data, expiresAt: Date) throws -> Bool {
        let update = try connection.statement("UPDATE once_keys SET token = NULL, until = ?3, result = ?4 WHERE key = ?1 AND token = ?2")
        defer { update.reset() }
        update.bind(1, key)
        update.bind(2, token)
        update.bind(3, SQLiteTime.nanos(expiresAt))
        update.bind(4, blob: result)
        try update.run()
        return connection.changes > 0
    }

    func abandon(_ key: String, token: String) throws {
        let delete = try connection.statement("DELETE FROM once_keys WHERE key = ?1 AND token = ?2")
        defer { delete.reset() }
        delete.bind(1, key)
        delete.bind(2, token)
        try delete.run()
    }
}

extension SQLiteQueueStore: OnceKeyStore {
    /// Claims `key` in the file, for every process that opens it.
    public func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim {
        let now = clock.now()
        return try await worker.perform { connection in try SQLiteOnceKeyTable(connection: connection).claim(key, for: duration, now: now) }
    }

    /// Records the result of the claim `token`, kept for `ttl`.
    public func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool {
        let expiresAt = clock.now().adding(ttl)
        return try await worker.perform { connection in
            try SQLiteOnceKeyTable(connection: connection).complete(key, token: token, result: result, expiresAt: expiresAt)
        }
    }

    /// Forgets the claim `token`.
    public func abandonOnce(_ key: String, token: String) async throws {
        try await worker.perform { connection in try SQLiteOnceKeyTable(connection: connection).abandon(key, token: token) }
    }
}
