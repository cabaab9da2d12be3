import CSQLite
import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// A schema 5 file (every row in `messages_by_state`) opens at schema 6, where the index
/// keeps only rows that are not visible, with its messages, order, counts and leases.
@Suite("SQLite migration: state index without visible rows")
struct SQLiteStateIndexMigrationTests {
    @Test("a schema 5 file opens at the current schema and keeps order, counts, delays and leases")
    func fromVersion5() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let path = directory.path("queues.sqlite")
            let t0 = SQLiteTime.nanos(clock.now())
            let second: Int64 = 1_000_000_000
            let seq = Int64(1) << SQLiteMessageTable.arrivalBits
            // Schema 5 exactly as that build left it: two visible messages (the later one at
            // priority 3), one delayed, one in flight under receipt 77.
            try RawSQLiteFile.execute(path, SQLiteSchema.migrations[0..<5].joined(separator: "\n") + """
                PRAGMA application_id = \(SQLiteSchema.applicationID); PRAGMA user_version = 5;
                INSERT INTO queues (id, name, visible, delayed, in_flight) VALUES (1, 'jobs', 2, 1, 1);
                INSERT INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at, priority) VALUES
                    (\(seq + 1), 'v1', 1, 0, 5, X'7631', \(t0), \(t0), 0),
                    (\(seq + 2), 'v2', 1, 0, 7, X'7632', \(t0), \(t0), 3),
                    (\(seq + 3), 'd1', 1, 1, \(t0 + 60 * second), X'6431', \(t0), \(t0), 0);
                INSERT INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at,
                    receive_count, first_received_at, receipt) VALUES
                    (\(seq + 4), 'f1', 1, 2, \(t0 + 30 * second), X'6631', \(t0), \(t0), 1, \(t0), 77);
                """)

            let store = try await SQLiteQueueStore(path: path, clock: clock)
            #expect(try RawSQLiteFile.text(path, "PRAGMA user_version") == "\(SQLiteSchema.currentVersion)")
            #expect(try RawSQLiteFile.text(path, "SELECT sql FROM sqlite_master WHERE name = 'messages_by_state'")
                .hasSuffix("WHERE state <> 0"))
            #expect(try await store.stats(for: "jobs") == QueueStats(
                visible: 2, delayed: 1, inFlight: 1, oldestEnqueuedAt: SQLiteTime.date(t0), scheduled: 1
            ))
            // A new send goes behind the migrated visible rows (places 5 and 7).
            let n1 = try await store.send(Data("n1".utf8), to: "jobs")
            let leased = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            #expect(leased.map(\.message.id.rawValue) == ["v2", "v1", n1.rawValue])
            // The lease taken before the upgrade settles by its text id.
            #expect(try await store.ack(LeaseToken(messageID: MessageID("f1"), receipt: 77)) == .applied)
            // Abandoned ones go to the front; the delayed one comes due behind them.
            _ = try await store.settle(leased.map { Settlement($0.token, .abandon) })
            clock.advance(by: .seconds(61))
            let all = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            #expect(all.map(\.message.id.rawValue) == ["v2", n1.rawValue, "v1", "d1"])
            await store.close()
        }
    }
}
