import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// libpq pipeline mode: a step's statements go in one flight and commit together at the
/// sync; an error in the middle applies nothing of the step and leaves a usable connection.
@Suite("PostgreSQL pipelined steps")
struct PostgresPipelineTests {
    @Test("a pipeline commits as one transaction and returns one result per statement")
    func pipelineCommitsTogether() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        let counts = try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: database.url))
            defer { connection.close() }
            try connection.execute("CREATE TABLE t (v int8)", doing: "creating a table")
            let results = try connection.pipeline([
                PostgresStatement("INSERT INTO t VALUES ($1)", [.int(1)], doing: "inserting"),
                PostgresStatement("INSERT INTO t VALUES ($1), ($2)", [.int(2), .int(3)], doing: "inserting"),
                PostgresStatement("SELECT sum(v) FROM t", doing: "summing"),
            ])
            return (results.count, results[1].changed, results[2].int64(0, 0))
        }
        await PostgresTestCluster.dropDatabase(database.name)
        #expect(counts.0 == 3)
        #expect(counts.1 == 2)
        #expect(counts.2 == 6)
    }

    @Test("an error in the middle of a pipeline rolls back the statements before it, and the connection works after")
    func errorMidPipelineAppliesNothing() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        let outcome = try await offPool { () -> (String?, QueueStoreError.Kind?, Int64?, Int64?) in
            let connection = try PostgresConnection(target: try PostgresTarget(url: database.url))
            defer { connection.close() }
            try connection.execute("CREATE TABLE t (v int8)", doing: "creating a table")
            var failure: PostgresFailure?
            do {
                // The failing statement and the one after it are new: their Parse runs in the same flight.
                _ = try connection.pipeline([
                    PostgresStatement("INSERT INTO t VALUES ($1)", [.int(1)], doing: "inserting"),
                    PostgresStatement("SELECT 1 / ($1::int8 - 7)", [.int(7)], doing: "dividing"),
                    PostgresStatement("INSERT INTO t VALUES ($1 + 100)", [.int(2)], doing: "inserting more"),
                ])
            } catch let error as PostgresFailure {
                failure = error
            }
            // The connection is out of pipeline mode and its transaction is gone.
            let rows = try connection.execute("SELECT count(*) FROM t", doing: "counting").int64(0, 0)
            // A statement whose Parse was skipped by the error is prepared anew when it next runs.
            let later = try connection.pipeline([
                PostgresStatement("INSERT INTO t VALUES ($1 + 100)", [.int(2)], doing: "inserting more"),
                PostgresStatement("SELECT sum(v) FROM t", doing: "summing"),
            ])
            return (failure?.state, failure?.error.kind, rows, later[1].int64(0, 0))
        }
        await PostgresTestCluster.dropDatabase(database.name)
        #expect(outcome.0 == "22012", "division by zero is the error reported, not a skipped statement")
        #expect(outcome.1 == .engine)
        #expect(outcome.2 == 0, "the insert before the error was rolled back")
        #expect(outcome.3 == 102)
    }

    @Test("a lease that fails mid-step keeps the step's acks undone, with the error's class; the next step applies")
    func failedLeaseUndoesAcks() async throws {
        let temporary = try await TemporaryPostgresStore(clock: ManualClock())
        let store = temporary.store
        try await store.send((0..<20).map { OutgoingMessage(body: Data("\($0)".utf8), id: MessageID("m\($0)")) }, to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(first.count == 10)

        // Every lease now fails with a serialization failure, after the step's ack has run.
        try await Self.onEveryLease(
            "refuse_lease", run: "RAISE EXCEPTION 'lease refused by the test' USING ERRCODE = '40001';", in: temporary.database
        )
        let acks = first.map { Settlement($0.token, .ack) }
        var kind: QueueStoreError.Kind?
        do {
            _ = try await store.settleAndReceive(acks, from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        } catch let error as QueueStoreError {
            kind = error.kind
        }
        #expect(kind == .busy, "a serialization failure stays retryable in a pipelined step")
        let during = try await store.stats(for: "jobs")
        #expect(during.inFlight == 10, "the acks of the failed step were rolled back")
        #expect(during.visible == 10)

        try await PostgresTestCluster.administer("DROP TRIGGER refuse_lease ON qf_messages", in: temporary.database)
        let retried = try await store.settleAndReceive(acks, from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(retried.results == Array(repeating: .applied, count: 10))
        #expect(Set(retried.leases.map(\.message.id)).isDisjoint(with: Set(first.map(\.message.id))))
        #expect(retried.leases.count == 10)
        let after = try await store.stats(for: "jobs")
        #expect(after.inFlight == 10)
        #expect(after.visible == 0)
        await temporary.close()
    }

    @Test("a connection that breaks mid-step applies nothing, fails retryable and is replaced on the next call")
    func brokenConnectionMidStep() async throws {
        let temporary = try await TemporaryPostgresStore(clock: ManualClock(), connections: 1)
        let store = temporary.store
        try await store.send((0..<4).map { OutgoingMessage(body: Data("\($0)".utf8), id: MessageID("m\($0)")) }, to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 2, visibilityTimeout: .seconds(30))
        #expect(first.count == 2)

        // The server process ends itself in the middle of the step's lease.
        try await Self.onEveryLease(
            "end_backend", run: "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NEW;",
            in: temporary.database
        )
        let acks = first.map { Settlement($0.token, .ack) }
        var kind: QueueStoreError.Kind?
        do {
            _ = try await store.settleAndReceive(acks, from: "jobs", maxCount: 2, visibilityTimeout: .seconds(30))
        } catch let error as QueueStoreError {
            kind = error.kind
        }
        #expect(kind == .unavailable)
        try await PostgresTestCluster.administer("DROP TRIGGER end_backend ON qf_messages", in: temporary.database)

        // The pool's one connection was replaced; the acks had not been applied.
        let during = try await store.stats(for: "jobs")
        #expect(during.inFlight == 2)
        #expect(during.visible == 2)
        let retried = try await store.settleAndReceive(acks, from: "jobs", maxCount: 2, visibilityTimeout: .seconds(30))
        #expect(retried.results == [.applied, .applied])
        #expect(retried.leases.count == 2)
        await temporary.close()
    }

    /// Makes every lease (an update from visible to in flight) in `database` run `body` first,
    /// through a trigger and a function both named `name`; drop the trigger to end it.
    private static func onEveryLease(_ name: String, run body: String, in database: String) async throws {
        try await PostgresTestCluster.administer("""
            CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \(body) END $$
            """, in: database)
        try await PostgresTestCluster.administer("""
            CREATE TRIGGER \(name) BEFORE UPDATE ON qf_messages
                FOR EACH ROW WHEN (OLD.state = 0 AND NEW.state = 2) EXECUTE FUNCTION \(name)();
            """, in: database)
    }
}
