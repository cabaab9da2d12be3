import Foundation
import QueueFunctions

/// The `hosts` table: every process serving the file beats into it, so `status` in
/// another process lists them.
struct SQLiteHostTable {
    let connection: SQLiteConnection

    /// Hosts silent this long are deleted when another beats.
    static let forgetAfter = Duration.seconds(3600)

    func heartbeat(_ host: HostRecord, now: Date) throws {
        let record = try JSONEncoder().encode(host)
        let upsert = try connection.statement("INSERT OR REPLACE INTO hosts (id, record, last_seen) VALUES (?1, ?2, ?3)")
        defer { upsert.reset() }
        upsert.bind(1, host.id)
        upsert.bind(2, String(decoding: record, as: UTF8.self))
        upsert.bind(3, SQLiteTime.nanos(now))
        try upsert.run()
        let forget = try connection.statement("DELETE FROM hosts WHERE last_seen < ?1")
        defer { forget.reset() }
        forget.bind(1, SQLiteTime.nanos(now.adding(.zero - Self.forgetAfter)))
        try forget.run()
    }

    func hosts(since: Date) throws -> [HostRecord] {
        let select = try connection.statement("SELECT record, last_seen FROM hosts WHERE last_seen >= ?1")
        defer { select.reset() }
        select.bind(1, SQLiteTime.nanos(since))
        var hosts: [HostRecord] = []
        let decoder = JSONDecoder()
        while try select.step() {
            // A record this build cannot read (written by another version) is skipped, not fatal.
            guard var host = try? decoder.decode(HostRecord.self, from: Data(select.text(0).utf8)) else { continue }
            host.lastSeen = SQLiteTime.date(select.int64(1))
            hosts.append(host)
        }
        return hosts.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    func remove(id: String) throws {
        let delete = try connection.statement("DELETE FROM hosts WHERE id = ?1")
        defer { delete.reset() }
        delete.bind(1, id)
        try delete.run()
    }
}
