import CSQLite
import Foundation
import Testing
@testable import QueueFunctions

/// Not a timed test: prints what `stats(for:)` costs with a large backlog only when
/// QF_SQLITE_STATS_PROBE is set (to the backlog size), beside the row count schema 1 did.
@Suite("SQLite stats probe")
struct SQLiteStatsProbe {
    @Test("stats with a large backlog", .enabled(if: ProcessInfo.processInfo.environment["QF_SQLITE_STATS_PROBE"] != nil))
    func statsCost() async throws {
        let total = Int(ProcessInfo.processInfo.environment["QF_SQLITE_STATS_PROBE"] ?? "") ?? 1_000_000
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let store = try await SQLiteQueueStore(path: path)
            let body = Data(repeating: 0x61, count: 143)
            for _ in stride(from: 0, to: total, by: 1000) {
                try await store.send((0..<1000).map { _ in OutgoingMessage(body: body) }, to: "bench")
            }
            _ = try await store.receive(from: "bench", maxCount: 1000, visibilityTimeout: .seconds(300))
            let rounds = 20
            var start = ContinuousClock.now
            for _ in 0..<rounds { _ = try await store.stats(for: "bench") }
            let kept = (ContinuousClock.now - start) / rounds
            var handle: OpaquePointer?
            defer { sqlite3_close(handle) }
            try #require(sqlite3_open(path, &handle) == SQLITE_OK)
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            // What schema 1 ran for every stats call.
            try #require(sqlite3_prepare_v2(
                handle, "SELECT state, count(*) FROM messages WHERE queue_id = 1 GROUP BY state", -1, &statement, nil
            ) == SQLITE_OK)
            start = ContinuousClock.now
            for _ in 0..<3 {
                while sqlite3_step(statement) == SQLITE_ROW {}
                sqlite3_reset(statement)
            }
            let counted = (ContinuousClock.now - start) / 3
            print("SQLITE STATS PROBE backlog=\(total) stats(for:)=\(kept) counting rows by state=\(counted)")
            await store.close()
        }
    }
}
