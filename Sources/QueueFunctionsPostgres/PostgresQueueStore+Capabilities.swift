import Foundation
import QueueFunctions

extension PostgresQueueStore: DeduplicatingQueueStore, HostRegistry {
    /// Stores `message` unless `key` was used within `window`; the keys live in the
    /// database, shared by every host.
    public func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration
    ) async throws -> SendReceipt {
        let outcome = try await run { try $0.send(message, to: queue, deduplicationKey: key, window: window) }
        if outcome.visible > 0 { signal.notify(queue, count: outcome.visible) }
        return outcome.receipt
    }

    /// Records `host` as alive now, on the database's clock.
    public func heartbeat(_ host: HostRecord) async throws {
        try await run { try $0.heartbeat(host) }
    }

    /// The hosts heard from within `window`, oldest start first.
    public func hosts(seenWithin window: Duration) async throws -> [HostRecord] {
        try await run { try $0.hosts(seenWithin: window) }
    }

    /// Forgets the host with `id`.
    public func removeHost(id: String) async throws {
        try await run { try $0.removeHost(id: id) }
    }
}
