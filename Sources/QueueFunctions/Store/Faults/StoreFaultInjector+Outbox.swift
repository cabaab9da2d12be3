import Foundation

extension StoreFaultInjector: TransactionalOutboxStore {
    /// Settles with the batch's outbox as the wrapped store does (all or nothing), after
    /// letting the faults fail the call as they would fail a `settleAndReceive`. A wrapped
    /// store without an outbox settles, then stores the outbox when every settlement applied.
    package func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        try await admit(maxCount == 0 ? .settle : [.settle, .receive], queue: queue)
        let duplicates = maxCount == 0 ? [] : controller.takeDuplicates(for: queue, limit: maxCount)
        var answer: OutboxSettlement
        if let base = base as? any TransactionalOutboxStore {
            answer = try await base.settle(
                settlements, outbox: outbox, thenReceiveFrom: queue, maxCount: maxCount - duplicates.count,
                visibilityTimeout: visibilityTimeout
            )
        } else {
            let results = try await base.settle(settlements)
            let stored = !outbox.isEmpty && results.allSatisfy { $0 == .applied }
            if stored { for group in outbox.byQueue { try await base.send(group.messages, to: group.queue) } }
            let leases = maxCount - duplicates.count > 0
                ? try await base.receive(from: queue, maxCount: maxCount - duplicates.count, visibilityTimeout: visibilityTimeout) : []
            answer = OutboxSettlement(results: results, outboxStored: stored, leases: leases)
        }
        answer.leases = duplicates + (await tamper(answer.leases, queue: queue))
        return answer
    }
}
