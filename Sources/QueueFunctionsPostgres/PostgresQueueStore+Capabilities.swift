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
        try await run(transaction: false) { try $0.heartbeat(host) }
    }

    /// The hosts heard from within `window`, oldest start first.
    public func hosts(seenWithin window: Duration) async throws -> [HostRecord] {
        try await run(transaction: false) { try $0.hosts(seenWithin: window) }
    }

    /// Forgets the host with `id`.
    public func removeHost(id: String) async throws {
        try await run { try $0.removeHost(id: id) }
    }
}

extension PostgresQueueStore: TransactionalOutboxStore {
    /// Applies `settlements`, stores `outbox` when every one applied, then leases: one
    /// transaction, so hosts see the fan-out exactly when the batch's acks commit.
    public func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        let attempt: (OutboxSettlement, [String: Int])
        do {
            attempt = try await run { table -> (OutboxSettlement, [String: Int]) in
            var released: [String: Int] = [:]
            var (results, wake): ([SettleResult], [String: Int]) =
                settlements.isEmpty ? ([], [:]) : try table.settle(settlements, releasedGroups: &released)
            let store = results.allSatisfy { $0 == .applied }
            // The transaction rolls back: a batch with an outbox applies whole or not at all.
            if !store, !outbox.isEmpty { throw OutboxBatchStale(count: settlements.count) }
            if store {
                for group in outbox.byQueue {
                    let visible = try table.send(group.messages, to: group.queue)
                    if visible > 0 { wake[group.queue, default: 0] += visible }
                }
            }
            let leases = maxCount > 0 ? try table.receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout) : []
            try table.notifyReleased(released, afterReceiving: leases.count, of: maxCount, from: queue, into: &wake)
            return (OutboxSettlement(results: results, outboxStored: store && !outbox.isEmpty, leases: leases), wake)
            }
        } catch is OutboxBatchStale {
            return .rolledBack(settlements.count)
        }
        let (outcome, wake) = attempt
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return outcome
    }
}
