import Foundation
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("queuefunctions-sqlite-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with a temporary directory that is removed afterwards, even when `body` throws.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    do {
        let result = try await body(directory)
        directory.remove()
        return result
    } catch {
        directory.remove()
        throw error
    }
}

/// A SQLite store in a temporary directory of its own, removed when the store is closed.
/// Lets engine factories hand out SQLite stores without leaving files behind.
final class TemporarySQLiteStore: DeduplicatingQueueStore, ForwardingQueueStore {
    let store: SQLiteQueueStore
    private let directory: TemporaryDirectory

    init(clock: any HostClock, options: SQLiteQueueStore.Options = .init()) async throws {
        let directory = try TemporaryDirectory()
        self.directory = directory
        do {
            store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: clock, options: options)
        } catch {
            directory.remove()
            throw error
        }
    }

    func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration
    ) async throws -> SendReceipt {
        try await store.send(message, to: queue, deduplicationKey: key, window: window)
    }

    /// Every call but close goes to the store itself: its one-transaction settle and
    /// receive, its lanes and its prefetch included.
    var base: any QueueStore { store }

    func close() async {
        await store.close()
        directory.remove()
    }
}

extension TemporarySQLiteStore: HostRegistry {
    func heartbeat(_ host: HostRecord) async throws { try await store.heartbeat(host) }
    func hosts(seenWithin window: Duration) async throws -> [HostRecord] { try await store.hosts(seenWithin: window) }
    func removeHost(id: String) async throws { try await store.removeHost(id: id) }
}

extension TemporarySQLiteStore: TransactionalOutboxStore {
    func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        try await store.settle(settlements, outbox: outbox, thenReceiveFrom: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }
}
