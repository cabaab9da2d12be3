import CSQLite
import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// Each way a store file can be unusable gives an error naming the file and the fix.
@Suite("SQLite store errors")
struct SQLiteStoreErrorTests {
    private func openError(_ path: String, options: SQLiteQueueStore.Options = .init()) async -> QueueStoreError? {
        await #expect(throws: QueueStoreError.self) {
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock(), options: options)
            await store.close()
        }
    }

    /// Opens `path` with the raw C API, runs `sql`, and returns the handle for the caller to close.
    private func rawConnection(_ path: String, _ sql: String) throws -> OpaquePointer {
        var handle: OpaquePointer?
        try #require(sqlite3_open(path, &handle) == SQLITE_OK)
        let raw = try #require(handle)
        try #require(sqlite3_exec(raw, sql, nil, nil, nil) == SQLITE_OK, "\(String(cString: sqlite3_errmsg(raw)))")
        return raw
    }

    @Test("a file that is not a database")
    func notADatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            try Data(String(repeating: "not a database at all\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
            let error = await openError(path)
            #expect(error?.kind == .unusableLocation)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("is not a SQLite database") == true)
            // Never recreated: the bytes are still there.
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("not a database"))
        }
    }

    @Test("a database of another application")
    func foreignDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("other.db")
            sqlite3_close(try rawConnection(path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
            let error = await openError(path)
            #expect(error?.kind == .unusableLocation)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("not a QueueFunctions queue store") == true)
        }
    }

    @Test("a schema newer than this build")
    func newerSchema() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock())
            try await store.send(Data("keep me".utf8), to: "jobs")
            await store.close()
            sqlite3_close(try rawConnection(path, "PRAGMA user_version = \(SQLiteSchema.currentVersion + 1)"))

            let error = await openError(path)
            #expect(error?.kind == .newerSchema)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("upgrade QueueFunctions") == true)

            // Nothing was lost: with the version put back, the message is there.
            sqlite3_close(try rawConnection(path, "PRAGMA user_version = \(SQLiteSchema.currentVersion)"))
            let reopened = try await SQLiteQueueStore(path: path, clock: ManualClock())
            #expect(try await reopened.stats(for: "jobs").visible == 1)
            await reopened.close()
        }
    }

    @Test("a directory that cannot be created")
    func directoryCannotBeCreated() async throws {
        try await withTemporaryDirectory { directory in
            let blocker = directory.path("blocker")
            try Data("a plain file".utf8).write(to: URL(fileURLWithPath: blocker))
            let path = blocker + "/queues/queues.sqlite"
            let error = await openError(path)
            #expect(error?.kind == .unusableLocation)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("--store") == true)

            let direct = blocker + "/queues.sqlite"
            let second = await openError(direct)
            #expect(second?.kind == .unusableLocation)
            #expect(second?.message.contains("is a file, not a directory") == true)
        }
    }

    @Test("a lock held by another process longer than the busy timeout")
    func lockedByAnotherConnection() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let options = SQLiteQueueStore.Options(busyTimeout: .milliseconds(200))
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock(), options: options)
            try await store.send(Data("before".utf8), to: "jobs")

            let holder = try rawConnection(path, "BEGIN EXCLUSIVE; INSERT INTO queues (name) VALUES ('held')")
            let error = await #expect(throws: QueueStoreError.self) { try await store.send(Data("blocked".utf8), to: "jobs") }
            // Retryable: a host backs off and keeps the settlements of handled work.
            #expect(error?.kind == .busy)
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("database is locked by another process for more than 200ms: \(path)") == true)

            let opening = await openError(path, options: options)
            #expect(opening?.message.contains("database is locked by another process for more than 200ms: \(path)") == true)

            sqlite3_exec(holder, "ROLLBACK", nil, nil, nil)
            sqlite3_close(holder)
            // Once the lock is gone the store carries on.
            try await store.send(Data("after".utf8), to: "jobs")
            #expect(try await store.stats(for: "jobs").visible == 2)
            await store.close()
        }
    }

    @Test("the default busy timeout is named in the error text")
    func defaultTimeoutText() throws {
        #expect(SQLiteQueueStore.Options().busyTimeout == .seconds(5))
        #expect(DurationText.format(SQLiteQueueStore.Options().busyTimeout) == "5s")
        #expect(SQLiteQueueStore.Options().synchronous == .normal)
    }
}
