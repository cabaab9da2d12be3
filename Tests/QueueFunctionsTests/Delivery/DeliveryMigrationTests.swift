import CSQLite
import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres
@testable import QueueFunctionsSQLite

/// The delivery-options schema step upgrades stores written before it, on SQLite and PostgreSQL.
@Suite("Delivery options: schema upgrades")
struct DeliveryMigrationTests {
    @Test("a SQLite schema 3 file opens as schema 4: its messages keep order, new ones carry options")
    func sqliteSchema3Upgrades() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("queues.sqlite")
            let t0 = SQLiteTime.nanos(clock.now())
            let script = SQLiteSchema.migrations[0..<3].joined() + """
                PRAGMA application_id = \(SQLiteSchema.applicationID); PRAGMA user_version = 3;
                INSERT INTO queues (id, name, visible) VALUES (1, 'jobs', 2);
                INSERT INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at) VALUES
                    ((1 << 43) + 1, 'old1', 1, 0, 1, X'6F31', \(t0), \(t0)),
                    ((1 << 43) + 2, 'old2', 1, 0, 2, X'6F32', \(t0), \(t0));
                """
            var handle: OpaquePointer?
            try #require(sqlite3_open(path, &handle) == SQLITE_OK)
            let code = sqlite3_exec(handle, script, nil, nil, nil)
            sqlite3_close(handle)
            try #require(code == SQLITE_OK)

            let store = try await SQLiteQueueStore(path: path, clock: clock)
            try await store.send([OutgoingMessage(body: Data("new".utf8), attributes: ["k": "v"], priority: 9)], to: "jobs")
            let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            #expect(leases.map(\.message.id.rawValue).suffix(2) == ["old1", "old2"])
            #expect(leases.first?.message.attributes == ["k": "v"])
            #expect(leases.last?.message.attributes == [:] && leases.last?.message.priority == 0)
            await store.close()
        }
    }

    @Test("a PostgreSQL schema 2 database opens as schema 3 with its messages")
    func postgresSchema2Upgrades() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: database.url))
            defer { connection.close() }
            for step in 0..<2 { try connection.executeScript(PostgresSchema.migrations[step], doing: "old schema") }
            try connection.executeScript("""
                CREATE TABLE qf_schema_version (version int4 NOT NULL);
                INSERT INTO qf_schema_version VALUES (2);
                INSERT INTO qf_queues (name) VALUES ('jobs');
                INSERT INTO qf_messages (id, queue_id, arrival, state, pos, body, sent_at, enqueued_at)
                    SELECT 'old', id, nextval('qf_arrival'), 0, nextval('qf_order'), '\\x6f6c64'::bytea, 0, 0 FROM qf_queues;
                """, doing: "old rows")
        }
        let store = try await PostgresQueueStore(url: database.url, options: .init(connections: 1))
        try await store.send([OutgoingMessage(body: Data("new".utf8), attributes: ["k": "v"], priority: 9)], to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map { String(decoding: $0.message.body, as: UTF8.self) } == ["new", "old"])
        #expect(leases.first?.message.attributes == ["k": "v"])
        await store.close()
        await PostgresTestCluster.dropDatabase(database.name)
    }
}
