import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// `stats` on PostgreSQL sums a queue's count rows (one per statement that moved messages)
/// and folds them into one only when there are many: a call that has nothing to fold writes
/// nothing, so hosts' and operators' polling does not wait for the disk.
@Suite("PostgreSQL stats folding")
struct PostgresStatsFoldTests {
    @Test("stats leaves a few count rows as they are and folds many into one, counting right either way")
    func foldsOnlyMany() async throws {
        let temporary = try await TemporaryPostgresStore(clock: ManualClock())
        let store = temporary.store
        let url = temporary.url
        let countRows = { @Sendable () async throws -> Int64? in
            try await offPool {
                let connection = try PostgresConnection(target: try PostgresTarget(url: url))
                defer { connection.close() }
                return try connection.execute("SELECT count(*) FROM qf_queue_counts", doing: "counting count rows").int64(0, 0)
            }
        }
        for index in 0..<3 { try await store.send(Data("\(index)".utf8), to: "jobs") }
        #expect(try await store.stats(for: "jobs").visible == 3)
        #expect(try await countRows() == 3, "three count rows are summed, not folded")

        let sends = Int(PostgresMessageTable.foldThreshold) + 5
        for index in 0..<sends { try await store.send(Data("\(index)".utf8), to: "jobs") }
        let leased = try await store.receive(from: "jobs", maxCount: 4, visibilityTimeout: .seconds(30))
        #expect(leased.count == 4)
        let stats = try await store.stats(for: "jobs")
        #expect(stats.visible == 3 + sends - 4)
        #expect(stats.inFlight == 4)
        #expect(try await countRows() == 1, "many count rows are folded into one")
        let again = try await store.stats(for: "jobs")
        #expect(again.visible == stats.visible)
        #expect(again.inFlight == 4)
        await temporary.close()
    }
}
