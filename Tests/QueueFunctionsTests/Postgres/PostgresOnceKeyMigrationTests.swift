import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// A schema 2 database (before once-keys) opens, gains `qf_once_keys` and the dependency limits, and keeps its messages.
@Suite("PostgreSQL migration: once-keys and shared dependency limits")
struct PostgresOnceKeyMigrationTests {
    @Test("a schema 2 database opens at the current schema with its messages, and once-keys work")
    func fromVersion2() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        // Schema 2 exactly as that build left it: no qf_once_keys yet.
        let script = PostgresSchema.migrations[0..<2].joined(separator: "\n")
            + "\nCREATE TABLE qf_schema_version (version int4 NOT NULL); INSERT INTO qf_schema_version VALUES (2);"
        let admin = PostgresTestCluster.replacingDatabase(in: try await PostgresTestCluster.adminURL(), with: database.name)
        try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: admin))
            defer { connection.close() }
            try connection.executeScript(script, doing: "writing a schema 2 database")
        }
        let clock = ManualClock()
        let store = try await PostgresQueueStore(url: database.url, options: .init(connections: 1, time: .clock(clock)))
        try await store.send(Data("kept".utf8), to: "jobs")
        guard case .claimed(let token) = try await store.claimOnce("k", for: .seconds(10)) else {
            Issue.record("the migrated database cannot claim once-keys")
            await store.close()
            await PostgresTestCluster.dropDatabase(database.name)
            return
        }
        #expect(try await store.completeOnce("k", token: token, result: Data("r".utf8), ttl: .seconds(60)))
        #expect(try await store.claimOnce("k", for: .seconds(10)) == .completed(result: Data("r".utf8)))
        #expect(try await store.stats(for: "jobs").visible == 1)
        // Schema 4's shared dependency limits are there too.
        let api = DependencyConfig(name: "billing-api", maxConcurrency: 1)
        #expect(try await store.acquireDependency(DependencyLimitRequest(dependency: api, holder: "h", wanted: 3, leaseFor: .seconds(60))).granted == 1)
        await store.close()
        await PostgresTestCluster.dropDatabase(database.name)
    }
}
