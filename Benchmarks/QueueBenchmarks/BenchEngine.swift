import Foundation
import QueueFunctionsHost

/// A store engine under test, opened fresh for every run.
struct BenchEngine: Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case memory
        case sqlite(SQLiteQueueStore.Synchronous)
        case postgres(adminURL: String)
    }

    private let kind: Kind

    static let memory = BenchEngine(kind: .memory)

    static func sqlite(_ synchronous: SQLiteQueueStore.Synchronous) -> BenchEngine {
        BenchEngine(kind: .sqlite(synchronous))
    }

    /// The environment variable naming the PostgreSQL server for `--engine postgres`: a URL
    /// whose user may create databases (each run gets a fresh one, dropped afterwards).
    static let postgresVariable = "QUEUEFUNCTIONS_BENCH_POSTGRES_URL"

    /// PostgreSQL on the server named by ``postgresVariable``.
    static func postgres() throws -> BenchEngine {
        guard let url = ProcessInfo.processInfo.environment[postgresVariable], !url.isEmpty else {
            throw BenchmarkError(
                "--engine postgres needs \(postgresVariable)=postgres://USER@HOST:PORT/postgres "
                    + "(a user that may create databases)"
            )
        }
        return BenchEngine(kind: .postgres(adminURL: url))
    }

    var isSQLite: Bool {
        if case .sqlite = kind { return true }
        return false
    }

    /// `memory`, `sqlite` (synchronous=NORMAL) or `sqlite FULL`.
    var description: String {
        switch kind {
        case .memory: "memory"
        case .sqlite(let synchronous): synchronous == .normal ? "sqlite" : "sqlite FULL"
        case .postgres: "postgres"
        }
    }

    /// The same engine with synchronous=FULL, for SQLite.
    var full: BenchEngine? {
        isSQLite ? .sqlite(.full) : nil
    }

    /// Opens an empty store; SQLite files go to a fresh temporary directory.
    func open() async throws -> OpenStore {
        switch kind {
        case .memory:
            return OpenStore(store: MemoryQueueStore(), directory: nil)
        case .sqlite(let synchronous):
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("queuebench-\(getpid())-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try await SQLiteQueueStore(
                path: directory.appendingPathComponent("queues.sqlite").path,
                options: .init(synchronous: synchronous)
            )
            return OpenStore(store: store, directory: directory)
        case .postgres(let adminURL):
            let name = "qf_bench_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            try await PostgresBenchDatabase.run("CREATE DATABASE \(name)", adminURL: adminURL)
            let store = try await PostgresQueueStore(url: PostgresBenchDatabase.url(adminURL, database: name))
            return OpenStore(store: store, directory: nil, dropDatabase: { await PostgresBenchDatabase.drop(name, adminURL: adminURL) })
        }
    }
}

/// Creates and drops the benchmark's throwaway PostgreSQL databases, off the cooperative pool.
enum PostgresBenchDatabase {
    /// Runs `sql` on the server's administration database.
    static func run(_ sql: String, adminURL: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread {
                continuation.resume(with: Result {
                    let connection = try PostgresConnection(target: try PostgresTarget(url: adminURL))
                    defer { connection.close() }
                    // `sql` names a database made of a fixed prefix and numbers only.
                    try connection.execute(sql, doing: "preparing the benchmark database")
                }.mapError { PostgresBenchError.describe($0) })
            }.start()
        }
    }

    /// Drops the database `name`, closing connections still open to it.
    static func drop(_ name: String, adminURL: String) async {
        try? await run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", adminURL: adminURL)
    }

    /// `adminURL` with its database replaced by `database`.
    static func url(_ adminURL: String, database: String) -> String {
        guard let schemeEnd = adminURL.range(of: "://") else { return adminURL }
        let rest = adminURL[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[authorityEnd...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(adminURL[..<authorityEnd]) + "/" + database + query
    }
}

/// A benchmark setup error as text.
enum PostgresBenchError {
    static func describe(_ error: any Error) -> BenchmarkError {
        BenchmarkError("PostgreSQL: \(error)")
    }
}

/// An open store and the temporary directory to delete after it.
struct OpenStore: Sendable {
    let store: any QueueStore
    let directory: URL?
    var dropDatabase: (@Sendable () async -> Void)?

    init(store: any QueueStore, directory: URL?, dropDatabase: (@Sendable () async -> Void)? = nil) {
        self.store = store
        self.directory = directory
        self.dropDatabase = dropDatabase
    }

    /// Closes the store and deletes its files (or its database).
    func close() async {
        await store.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
        await dropDatabase?()
    }
}
