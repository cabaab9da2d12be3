import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// A schema 5 database (messages checked against `qf_queues` by a foreign key) opens at the
/// current schema without that key, and keeps its messages.
@Suite("PostgreSQL migration: no per-message queue check")
struct PostgresQueueKeyMigrationTests {
    @Test("a schema 5 database loses the queue foreign key, keeps its messages and takes new ones")
    func fromVersion5() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        let script = PostgresSchema.migrations[0..<5].joined(separator: "\n") + """

            CREATE TABLE qf_schema_version (version int4 NOT NULL); INSERT INTO qf_schema_version VALUES (5);
            INSERT INTO qf_queues (name) VALUES ('jobs');
            INSERT INTO qf_messages (id, queue_id, arrival, state, pos, body, sent_at, enqueued_at)
                SELECT 'old', id, nextval('qf_arrival'), 0, nextval('qf_order'), '\\x6f6c64', 0, 0 FROM qf_queues;
            """
        let admin = PostgresTestCluster.replacingDatabase(in: try await PostgresTestCluster.adminURL(), with: database.name)
        let keysBefore = try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: admin))
            defer { connection.close() }
            try connection.executeScript(script, doing: "writing a schema 5 database")
            return try Self.foreignKeys(connection)
        }
        #expect(keysBefore == 1)

        let store = try await PostgresQueueStore(url: database.url, options: .init(connections: 1, time: .clock(ManualClock())))
        try await store.send(Data("new".utf8), to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map(\.message.id.rawValue).first == "old")
        #expect(leases.count == 2)
        await store.close()

        let (version, keysAfter) = try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: admin))
            defer { connection.close() }
            let version = try connection.execute("SELECT max(version) FROM qf_schema_version", doing: "reading the version").int(0, 0)
            return (version, try Self.foreignKeys(connection))
        }
        #expect(version == PostgresSchema.currentVersion)
        #expect(keysAfter == 0, "sends no longer check each message against qf_queues")
        await PostgresTestCluster.dropDatabase(database.name)
    }

    /// The foreign keys on `qf_messages`.
    private static func foreignKeys(_ connection: PostgresConnection) throws -> Int {
        try connection.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'qf_messages'::regclass AND contype = 'f'", doing: "listing keys"
        ).int(0, 0)
    }
}
