import Foundation
import QueueFunctionsHost

/// A store engine under test, opened fresh for every run.
struct BenchEngine: Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case memory
        case sqlite(SQLiteQueueStore.Synchronous)
    }

    private let kind: Kind

    static let memory = BenchEngine(kind: .memory)

    static func sqlite(_ synchronous: SQLiteQueueStore.Synchronous) -> BenchEngine {
        BenchEngine(kind: .sqlite(synchronous))
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
        }
    }
}

/// An open store and the temporary directory to delete after it.
struct OpenStore: Sendable {
    let store: any QueueStore
    let directory: URL?

    /// Closes the store and deletes its files.
    func close() async {
        await store.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}
