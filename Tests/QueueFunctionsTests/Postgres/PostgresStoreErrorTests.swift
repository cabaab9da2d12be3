import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// What a user reads when the PostgreSQL store cannot be opened: the URL without its
/// password, whether retrying can help, and the fix.
@Suite("PostgreSQL store errors")
struct PostgresStoreErrorTests {
    private func openError(_ url: String) async -> QueueStoreError? {
        do {
            let store = try await PostgresQueueStore(url: url, options: .init(connections: 1))
            await store.close()
            return nil
        } catch let error as QueueStoreError {
            return error
        } catch {
            Issue.record("not a QueueStoreError: \(error)")
            return nil
        }
    }

    @Test("an unreachable server is retryable and named without the password")
    func unreachable() async throws {
        let port = try PostgresTestCluster.freePort()
        let error = try #require(await openError("postgres://app:hunter2@127.0.0.1:\(port)/queues"))
        #expect(error.kind == .unavailable)
        #expect(error.isRetryable)
        #expect(error.message.contains("postgres://app@127.0.0.1:\(port)/queues"))
        #expect(error.message.contains("cannot reach"))
        #expect(!error.message.contains("hunter2"))
    }

    @Test("a missing database says how to create it")
    func missingDatabase() async throws {
        let admin = try await PostgresTestCluster.adminURL()
        let url = PostgresTestCluster.replacingDatabase(in: admin, with: "qf_no_such_database")
        let error = try #require(await openError(url))
        #expect(error.kind == .unusableLocation)
        #expect(!error.isRetryable)
        #expect(error.message.contains("createdb qf_no_such_database"))
    }

    @Test("a refused login names the user part and the fix")
    func refusedLogin() async throws {
        let admin = try await PostgresTestCluster.adminURL()
        let url = admin.replacingOccurrences(of: "postgres://postgres@", with: "postgres://qf_nobody:pw@")
        let error = try #require(await openError(url))
        #expect(error.kind == .unusableLocation)
        #expect(error.message.contains("refused the login"))
        #expect(error.message.contains("qf_nobody@"))
        #expect(!error.message.contains(":pw@"))
    }

    @Test("a user who may not create tables gets a permission error with the GRANT to run")
    func permissionDenied() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        let role = "qf_limited_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try await PostgresTestCluster.administer("CREATE ROLE \(role) LOGIN")
        let url = database.url.replacingOccurrences(of: "postgres://postgres@", with: "postgres://\(role)@")
        let error = try #require(await openError(url))
        #expect(error.kind == .unusableLocation)
        #expect(error.message.contains("GRANT CREATE ON SCHEMA public"))
        await PostgresTestCluster.dropDatabase(database.name)
        try await PostgresTestCluster.administer("DROP ROLE \(role)")
    }

    @Test("a database written by a newer QueueFunctions is refused, not changed")
    func newerSchema() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        let store = try await PostgresQueueStore(url: database.url, options: .init(connections: 1))
        try await store.send(Data("kept".utf8), to: "jobs")
        await store.close()
        try await PostgresTestCluster.administer("UPDATE qf_schema_version SET version = 99", in: database.name)
        let error = try #require(await openError(database.url))
        #expect(error.kind == .newerSchema)
        #expect(error.message.contains("schema 99"))
        #expect(error.message.contains("upgrade QueueFunctions"))
        try await PostgresTestCluster.administer("UPDATE qf_schema_version SET version = \(PostgresSchema.currentVersion)", in: database.name)
        let reopened = try await PostgresQueueStore(url: database.url, options: .init(connections: 1))
        #expect(try await reopened.stats(for: "jobs").visible == 1)
        await reopened.close()
        await PostgresTestCluster.dropDatabase(database.name)
    }

    @Test("a message id used twice in one send is refused and nothing is stored")
    func duplicateIDs() async throws {
        let store = try await TemporaryPostgresStore(clock: ManualClock())
        let id = MessageID("twice")
        let error = await #expect(throws: QueueStoreError.self) {
            try await store.send([OutgoingMessage(body: Data("a".utf8), id: id), OutgoingMessage(body: Data("b".utf8), id: id)], to: "jobs")
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("twice") == true)
        #expect(try await store.stats(for: "jobs").total == 0)
        try await store.send([OutgoingMessage(body: Data("a".utf8), id: id)], to: "jobs")
        let again = await #expect(throws: QueueStoreError.self) {
            try await store.send([OutgoingMessage(body: Data("c".utf8), id: id)], to: "jobs")
        }
        #expect(again?.kind == .invalidArgument)
        #expect(try await store.stats(for: "jobs").total == 1)
        await store.close()
    }
}
