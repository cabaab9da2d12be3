import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// Reading `--store` and `QUEUEFUNCTIONS_STORE`.
@Suite("SQLite store location")
struct SQLiteStoreLocationTests {
    @Test("accepted forms")
    func acceptedForms() throws {
        #expect(try StoreLocation.parse("memory:") == .memory)
        #expect(try StoreLocation.parse(" memory ") == .memory)
        #expect(try StoreLocation.parse("sqlite:data/q.sqlite") == .sqlite(path: "data/q.sqlite"))
        #expect(try StoreLocation.parse("sqlite:///var/q.db") == .sqlite(path: "/var/q.db"))
        #expect(try StoreLocation.parse("/tmp/queues.db") == .sqlite(path: "/tmp/queues.db"))
        #expect(try StoreLocation.parse("queues.sqlite") == .sqlite(path: "queues.sqlite"))
        #expect(StoreLocation.defaultLocation.description == "sqlite:.queuefunctions/queues.sqlite")
        #expect(try StoreLocation.parse(StoreLocation.defaultLocation.description) == .defaultLocation)
        #expect(StoreLocation.memory.description == "memory:")
        #expect(StoreLocation.sqlite(path: "a.db").sqlitePath == "a.db")
    }

    @Test("rejected forms say what is accepted", arguments: ["redis://localhost", "queues.txt", "sqlite:", ""])
    func rejected(text: String) throws {
        let error = #expect(throws: QueueStoreError.self) { try StoreLocation.parse(text) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("sqlite:PATH") == true)
    }

    @Test("PostgreSQL URLs are read, from the flag and the environment, and shown without the password")
    func postgres() throws {
        let url = "postgres://app:s3cret@db.internal:5433/queues?sslmode=disable"
        #expect(try StoreLocation.parse(url) == .postgres(url: url))
        #expect(try StoreLocation.parse("postgresql://localhost/queues") == .postgres(url: "postgresql://localhost/queues"))
        #expect(try StoreLocation.fromEnvironment(["QUEUEFUNCTIONS_STORE": url]) == .postgres(url: url))
        let shown = try StoreLocation.parse(url).description
        #expect(shown == "postgres://app@db.internal:5433/queues?sslmode=disable")
        #expect(!shown.contains("s3cret"))
    }

    @Test("the environment variable, with the default when unset")
    func environment() throws {
        #expect(try StoreLocation.fromEnvironment([:]) == .defaultLocation)
        #expect(try StoreLocation.fromEnvironment(["QUEUEFUNCTIONS_STORE": ""]) == .defaultLocation)
        #expect(try StoreLocation.fromEnvironment(["QUEUEFUNCTIONS_STORE": "memory:"]) == .memory)
        let error = #expect(throws: QueueStoreError.self) {
            try StoreLocation.fromEnvironment(["QUEUEFUNCTIONS_STORE": "nonsense"])
        }
        #expect(error?.message.hasPrefix("QUEUEFUNCTIONS_STORE:") == true)
    }

    @Test("open gives the engine the location names")
    func open() async throws {
        try await withTemporaryDirectory { directory in
            let memory = try await StoreLocation.memory.open(clock: ManualClock())
            #expect(memory is MemoryQueueStore)
            await memory.close()
            let path = directory.path("x/queues.sqlite")
            let sqlite = try await StoreLocation.sqlite(path: path).open(clock: ManualClock())
            #expect((sqlite as? SQLiteQueueStore)?.path == path)
            await sqlite.close()
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }
}
