import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsPostgres
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// Where a host keeps its queues, as written on the command line or in
/// `QUEUEFUNCTIONS_STORE`: `memory:`, `sqlite:PATH`, a bare path ending in
/// `.sqlite`, `.sqlite3` or `.db`, or a PostgreSQL URL (`postgres://…`, `postgresql://…`).
///
/// ```swift
/// let location = try StoreLocation.parse("sqlite:.queuefunctions/queues.sqlite")
/// let store = try await location.open(clock: SystemClock())
/// ```
public struct StoreLocation: Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case memory
        case sqlite(path: String)
        case postgres(url: String)
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// An in-memory store: fast, and gone when the process ends.
    public static let memory = StoreLocation(.memory)

    /// A SQLite store in the file at `path`.
    public static func sqlite(path: String) -> StoreLocation {
        StoreLocation(.sqlite(path: path))
    }

    /// A PostgreSQL store in the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DATABASE?…`).
    public static func postgres(url: String) -> StoreLocation {
        StoreLocation(.postgres(url: url))
    }

    /// The default: `sqlite:.queuefunctions/queues.sqlite`, relative to the current directory.
    public static var defaultLocation: StoreLocation {
        .sqlite(path: ".queuefunctions/queues.sqlite")
    }

    /// The environment variable ``fromEnvironment()`` reads.
    public static let environmentVariable = "QUEUEFUNCTIONS_STORE"

    /// The SQLite file path, or nil for another kind of store.
    public var sqlitePath: String? {
        if case .sqlite(let path) = kind { return path }
        return nil
    }

    /// The location in the form ``parse(_:)`` reads: `memory:`, `sqlite:PATH`, or a
    /// PostgreSQL URL without its password (safe to print and log).
    public var description: String {
        switch kind {
        case .memory: "memory:"
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): PostgresTarget.redact(url)
        }
    }

    /// Reads a location.
    ///
    /// - Parameter text: `memory:`, `sqlite:PATH` (also `sqlite://PATH`), a bare
    ///   path ending in `.sqlite`, `.sqlite3` or `.db`, or `postgres://…` / `postgresql://…`.
    /// - Returns: The location.
    /// - Throws: ``QueueStoreError`` `.invalidArgument` listing the accepted forms.
    public static func parse(_ text: String) throws -> StoreLocation {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lowered = trimmed.lowercased()
        if lowered == "memory:" || lowered == "memory" || lowered == "memory://" {
            return .memory
        }
        if lowered.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else {
                throw QueueStoreError(
                    .invalidArgument,
                    "store location '\(text)' has no file path; write it as sqlite:PATH, "
                        + "for example sqlite:.queuefunctions/queues.sqlite"
                )
            }
            return .sqlite(path: path)
        }
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            return .postgres(url: try PostgresTarget(url: trimmed).url)
        }
        if !lowered.contains("://"), [".sqlite", ".sqlite3", ".db"].contains(where: lowered.hasSuffix) {
            return .sqlite(path: trimmed)
        }
        throw QueueStoreError(
            .invalidArgument,
            "unknown store location '\(PostgresTarget.redact(text))'; use one of: memory:, sqlite:PATH, "
                + "a file path ending in .sqlite, .sqlite3 or .db, or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    }

    /// The location named by `QUEUEFUNCTIONS_STORE`, or ``defaultLocation`` when it is unset or empty.
    ///
    /// - Throws: ``QueueStoreError`` `.invalidArgument` when the variable holds something unreadable.
    public static func fromEnvironment() throws -> StoreLocation {
        try fromEnvironment(ProcessInfo.processInfo.environment)
    }

    /// The location named by `QUEUEFUNCTIONS_STORE` in `environment`, or ``defaultLocation``.
    ///
    /// - Throws: ``QueueStoreError`` `.invalidArgument` when the variable holds something unreadable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> StoreLocation {
        guard let text = environment[environmentVariable],
              !text.trimmingCharacters(in: .whitespaces).isEmpty else { return defaultLocation }
        do {
            return try parse(text)
        } catch let error as QueueStoreError {
            throw QueueStoreError(error.kind, "\(environmentVariable): \(error.message)")
        }
    }

    /// The environment variable that selects SQLite's `synchronous` setting (`normal` or `full`).
    public static let synchronousVariable = "QUEUEFUNCTIONS_SQLITE_SYNCHRONOUS"

    /// Opens the store at this location.
    ///
    /// - Parameters:
    ///   - clock: The clock the store reads every time from (a PostgreSQL store reads the
    ///     database's clock instead, so that hosts sharing it agree).
    ///   - sqliteOptions: Settings for a SQLite store.
    /// - Returns: The open store; close it with ``QueueStore/close()``.
    /// - Throws: ``QueueStoreError`` when the store cannot be opened.
    public func open(clock: any HostClock, sqliteOptions: SQLiteQueueStore.Options = .init()) async throws -> any QueueStore {
        switch kind {
        case .memory:
            return MemoryQueueStore(clock: clock)
        case .sqlite(let path):
            return try await SQLiteQueueStore(path: path, clock: clock, options: sqliteOptions)
        case .postgres(let url):
            return try await PostgresQueueStore(url: url)
        }
    }

    /// SQLite options from `QUEUEFUNCTIONS_SQLITE_SYNCHRONOUS` in `environment` (`normal`, the
    /// default, or `full` for power-loss durability).
    ///
    /// - Throws: ``QueueStoreError`` `.invalidArgument` for any other value.
    public static func sqliteOptions(fromEnvironment environment: [String: String]) throws -> SQLiteQueueStore.Options {
        switch environment[synchronousVariable]?.lowercased() {
        case nil, "", "normal": return SQLiteQueueStore.Options(synchronous: .normal)
        case "full": return SQLiteQueueStore.Options(synchronous: .full)
        case let other?:
            throw QueueStoreError(.invalidArgument, "\(synchronousVariable)=\(other) is not a setting; use normal (the default) or full")
        }
    }
}
