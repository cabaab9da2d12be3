import Foundation
import QueueFunctions

extension SQLiteQueueStore: TransactionalOutboxStore {
    /// Applies `settlements`, stores `outbox` when every one applied, then leases: one
    /// transaction, so the outbox and the acks are durable together or not at all.
    public func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        let now = clock.now()
        let expiry = now.adding(visibilityTimeout)
        do {
            return try await settleLocked(settlements, outbox: outbox, queue: queue, maxCount: maxCount, now: now, expiry: expiry)
        } catch is OutboxBatchStale {
            return .rolledBack(settlements.count)
        }
    }

    private func settleLocked(
        _ settlements: [Settlement], outbox: [QueuedMessage], queue: String, maxCount: Int, now: Date, expiry: Date
    ) async throws -> OutboxSettlement {
        let (outcome, wake) = try await worker.perform { connection in
            try SQLiteMessageTable.run(connection) { table -> (OutboxSettlement, [String: Int]) in
                var (results, wake): ([SettleResult], [String: Int]) =
                    settlements.isEmpty ? ([], [:]) : try table.settle(settlements, now: now)
                let store = results.allSatisfy { $0 == .applied }
                // The job's savepoint rolls back: a batch with an outbox applies whole or not at all.
                if !store, !outbox.isEmpty { throw OutboxBatchStale(count: settlements.count) }
                if store {
                    for group in outbox.byQueue {
                        let visible = try table.send(group.messages, to: group.queue, now: now)
                        if visible > 0 { wake[group.queue, default: 0] += visible }
                    }
                }
                let leases = maxCount > 0 ? try table.receive(from: queue, maxCount: maxCount, now: now, expiry: expiry) : []
                return (OutboxSettlement(results: results, outboxStored: store && !outbox.isEmpty, leases: leases), wake)
            }
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return outcome
    }
}
