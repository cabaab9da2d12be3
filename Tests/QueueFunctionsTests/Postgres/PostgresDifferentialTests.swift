import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// The SQLite differential script, run against the PostgreSQL engine: the memory engine
/// is the reference, both stores share one manual clock, and every answer and every
/// peek, stats and queue-names view must match after each step.
@Suite("PostgreSQL differential")
struct PostgresDifferentialTests {
    @Test("the PostgreSQL engine answers exactly like the memory engine", arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func sameAnswers(seed: UInt64) async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let postgres = try await TemporaryPostgresStore(clock: clock)
        do {
            var script = DifferentialScript(stores: [memory, postgres], clock: clock, seed: seed)
            for step in 0..<300 {
                let answers = try await script.step()
                try #require(answers[0] == answers[1], "step \(step) answers differ\n\(script.log.joined(separator: "\n"))")
                let views = try await script.snapshot()
                try #require(views[0] == views[1], "step \(step) state differs\n\(script.log.joined(separator: "\n"))")
            }
        } catch {
            await postgres.close()
            throw error
        }
        await postgres.close()
    }
}
