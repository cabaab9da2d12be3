import CSQLite
import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// A schema 3 file (before once-keys) opens, gains the `once_keys` table, and keeps its messages.
@Suite("SQLite migration: once-keys")
struct SQLiteOnceKeyMigrationTests {
    @Test("a schema 3 file opens at the current schema with its messages, and once-keys work")
    func fromVersion3() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("queues.sqlite")
            var handle: OpaquePointer?
            try #require(sqlite3_open(path, &handle) == SQLITE_OK)
            let script = SQLiteSchema.migrations[0..<3].joined(separator: "\n")
                + "PRAGMA application_id = \(SQLiteSchema.applicationID); PRAGMA user_version = 3;"
            let code = sqlite3_exec(handle, script, nil, nil, nil)
            sqlite3_close(handle)
            try #require(code == SQLITE_OK)
            // The file is exactly what a schema 3 build leaves: no once_keys table yet.
            let store = try await SQLiteQueueStore(path: path, clock: clock)
            try await store.send(Data("kept".utf8), to: "jobs")
            guard case .claimed(let token) = try await store.claimOnce("k", for: .seconds(10)) else {
                Issue.record("the migrated file cannot claim once-keys")
                return
            }
            #expect(try await store.completeOnce("k", token: token, result: Data("r".utf8), ttl: .seconds(60)))
            await store.close()
            let reopened = try await SQLiteQueueStore(path: path, clock: clock)
            #expect(try await reopened.claimOnce("k", for: .seconds(10)) == .completed(result: Data("r".utf8)))
            #expect(try await reopened.stats(for: "jobs").visible == 1)
            await reopened.close()
        }
    }
}
