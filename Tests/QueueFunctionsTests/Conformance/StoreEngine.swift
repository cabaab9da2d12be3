import Foundation
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// One storage engine under test: every engine runs the same conformance suite.
struct StoreEngine: Sendable, CustomStringConvertible {
    let name: String
    let make: @Sendable (ManualClock) async throws -> any QueueStore

    var description: String { name }

    /// Every engine the conformance suite runs against.
    static let all: [StoreEngine] = [memory, sqlite, postgres]

    static let memory = StoreEngine(name: "memory") { clock in MemoryQueueStore(clock: clock) }

    /// A SQLite store in a temporary directory that is removed when the store closes.
    static let sqlite = StoreEngine(name: "sqlite") { clock in try await TemporarySQLiteStore(clock: clock) }

    /// A PostgreSQL store in a database of its own on the test cluster, dropped when the store closes.
    static let postgres = StoreEngine(name: "postgres") { clock in try await TemporaryPostgresStore(clock: clock) }
}
