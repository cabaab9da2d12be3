import Foundation
import QueueFunctions

extension SQLiteQueueStore: HostRegistry {
    /// Records `host` as alive now, in the file, for every process that opens it.
    public func heartbeat(_ host: HostRecord) async throws {
        let now = clock.now()
        try await worker.perform { connection in try SQLiteHostTable(connection: connection).heartbeat(host, now: now) }
    }

    /// The hosts heard from within `window`, oldest start first.
    public func hosts(seenWithin window: Duration) async throws -> [HostRecord] {
        let since = clock.now().adding(.zero - window)
        return try await worker.perform { connection in try SQLiteHostTable(connection: connection).hosts(since: since) }
    }

    /// Forgets the host with `id`.
    public func removeHost(id: String) async throws {
        try await worker.perform { connection in try SQLiteHostTable(connection: connection).remove(id: id) }
    }
}
