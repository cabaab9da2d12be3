import CSQLite
import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// A store file written by an older build opens, is migrated in place, and keeps
/// every message with its state, order, history and current lease.
@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    @Test("a schema 1 file opens as schema 2 with its messages, order, counts and leases")
    func fromVersion1() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("queues.sqlite")
            let t0 = SQLiteTime.nanos(clock.now())
            let second: Int64 = 1_000_000_000
            let failure = FailureRecord(attempt: 3, at: clock.now(), error: "boom")
            let history = try #require(try StoredFailureText.encode([failure]))
            // Schema 1 exactly as that build created it, with rows as it wrote them:
            // one global `seq` across queues, queues interleaved.
            try RawSQLiteFile.execute(path, SQLiteSchema.migrations[0] + """
                PRAGMA application_id = \(SQLiteSchema.applicationID); PRAGMA user_version = 1;
                INSERT INTO queues (id, name) VALUES (1, 'jobs'), (2, 'other'), (3, 'jobs-dlq');
                INSERT INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at) VALUES
                    (1, 'j1', 1, 0, 1, X'6A31', \(t0), \(t0)),
                    (2, 'o1', 2, 0, 1, X'6F31', \(t0), \(t0)),
                    (4, 'j3', 1, 1, \(t0 + 60 * second), X'6A33', \(t0), \(t0 + 1)),
                    (5, 'j4', 1, 0, 3, X'6A34', \(t0), \(t0 + 2));
                INSERT INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at,
                    receive_count, first_received_at, receipt, lease_pos) VALUES
                    (3, 'j2', 1, 2, \(t0 + 30 * second), X'6A32', \(t0), \(t0), 1, \(t0), 4242, 2);
                INSERT INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at,
                    receive_count, failures, dl_source, dl_receive_count, dl_reason, dl_at) VALUES
                    (6, 'd1', 3, 0, 1, X'6431', \(t0), \(t0 + 3), 0, '\(history)', 'jobs', 3, 'boom', \(t0 + 3));
                """)

            let store = try await SQLiteQueueStore(path: path, clock: clock)
            #expect(try RawSQLiteFile.scalar(path, "PRAGMA user_version") == SQLiteSchema.currentVersion)
            #expect(try RawSQLiteFile.scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_queue'") == 0)
            #expect(try await store.queueNames() == ["jobs", "jobs-dlq", "other"])
            #expect(try await store.stats(for: "jobs") == QueueStats(
                visible: 2, delayed: 1, inFlight: 1, oldestEnqueuedAt: SQLiteTime.date(t0), deadLettered: 1, scheduled: 1
            ))
            #expect(try await store.stats(for: "other") == QueueStats(visible: 1, oldestEnqueuedAt: SQLiteTime.date(t0)))
            #expect(try await store.peek("jobs", limit: 10).map(\.id.rawValue) == ["j1", "j2", "j3", "j4"])
            let parked = try #require(try await store.peek("jobs-dlq", limit: 10).first)
            #expect(parked.body == Data("d1".utf8))
            #expect(parked.failures == [failure])
            #expect(parked.deadLetter == DeadLetterInfo(
                sourceQueue: "jobs", receiveCount: 3, reason: "boom", at: SQLiteTime.date(t0 + 3)
            ))

            // The lease taken before the upgrade still settles, once; another receipt never does.
            #expect(try await store.ack(LeaseToken(messageID: MessageID("j2"), receipt: 4243)) == .staleLease)
            #expect(try await store.ack(LeaseToken(messageID: MessageID("j2"), receipt: 4242)) == .applied)
            #expect(try await store.ack(LeaseToken(messageID: MessageID("j2"), receipt: 4242)) == .staleLease)

            // Receive order and new sends continue where the old file left off.
            let later = try await store.send(Data("j5".utf8), to: "jobs")
            let leased = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            #expect(leased.map(\.message.id.rawValue) == ["j1", "j4", later.rawValue])
            #expect(try await store.redrive(from: "jobs-dlq", to: nil, limit: 10) == 1)
            #expect(try await store.stats(for: "jobs") == QueueStats(
                visible: 1, delayed: 1, inFlight: 3, oldestEnqueuedAt: SQLiteTime.date(t0), deadLettered: 0, scheduled: 1
            ))
            await store.close()

            // Opening the migrated file again changes nothing.
            let reopened = try await SQLiteQueueStore(path: path, clock: clock)
            #expect(try await reopened.stats(for: "jobs").total == 5)
            #expect(try await reopened.peek("jobs", limit: 10).map(\.id.rawValue) == ["j1", "j3", "j4", later.rawValue, "d1"])
            await reopened.close()
        }
    }

    @Test("counts kept in the queues table match the rows after every kind of change")
    func countsMatchRows() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("queues.sqlite")
            let store = try await SQLiteQueueStore(path: path, clock: clock)
            try await store.send((0..<20).map { OutgoingMessage(body: Data("\($0)".utf8)) }, to: "a")
            try await store.send([OutgoingMessage(body: Data("late".utf8), delay: .seconds(5))], to: "a")
            let leases = try await store.receive(from: "a", maxCount: 8, visibilityTimeout: .seconds(10))
            let failure = FailureRecord(attempt: 1, at: clock.now(), error: "x")
            _ = try await store.settle([
                Settlement(leases[0].token, .ack),
                Settlement(leases[1].token, .retry(after: .zero, failure: failure)),
                Settlement(leases[2].token, .retry(after: .seconds(3), failure: failure)),
                Settlement(leases[3].token, .deadLetter(queue: "a-dlq", failure: failure)),
                Settlement(leases[4].token, .deadLetter(queue: "a-dlq", failure: failure)),
                Settlement(leases[5].token, .abandon),
            ])
            clock.advance(by: .seconds(11))
            _ = try await store.stats(for: "a")
            #expect(try await store.redrive(from: "a-dlq", to: "b", limit: 1) == 1)
            let dead = try await store.receive(from: "a-dlq", maxCount: 1, visibilityTimeout: .seconds(10))
            #expect(try await store.ack(dead[0].token) == .applied)
            try await store.send([OutgoingMessage(body: Data("z".utf8))], to: "a-dlq")
            #expect(try await store.purge("b") == 1)
            await store.close()
            let kept = try RawSQLiteFile.scalar(path, """
                SELECT count(*) FROM queues WHERE
                    visible = (SELECT count(*) FROM messages WHERE queue_id = queues.id AND state = 0)
                    AND delayed = (SELECT count(*) FROM messages WHERE queue_id = queues.id AND state = 1)
                    AND in_flight = (SELECT count(*) FROM messages WHERE queue_id = queues.id AND state = 2)
                    AND dead_lettered = (SELECT count(*) FROM messages WHERE dl_source = queues.name)
                """)
            #expect(try kept == RawSQLiteFile.scalar(path, "SELECT count(*) FROM queues"))
            #expect(try RawSQLiteFile.scalar(path, "SELECT count(*) FROM messages") == 19)
        }
    }
}
