import Foundation

/// A message bound for a queue: what a handler sent through its context.
public struct QueuedMessage: Sendable {
    /// The destination queue.
    public var queue: String
    /// The message.
    public var message: OutgoingMessage

    /// Creates a message bound for `queue`.
    public init(queue: String, message: OutgoingMessage) {
        self.queue = queue
        self.message = message
    }
}

/// What ``TransactionalOutboxStore/settle(_:outbox:thenReceiveFrom:maxCount:visibilityTimeout:)`` did.
public struct OutboxSettlement: Sendable {
    /// One result per settlement, in order.
    public var results: [SettleResult]
    /// Whether the outbox was stored: only when every settlement applied.
    public var outboxStored: Bool
    /// The leases taken afterwards.
    public var leases: [Lease]

    /// Creates an outcome.
    public init(results: [SettleResult], outboxStored: Bool, leases: [Lease]) {
        self.results = results
        self.outboxStored = outboxStored
        self.leases = leases
    }
}

/// A store capability: the messages a handler sends through its context commit in the
/// same transaction as the settlement of its batch (a transactional outbox). A batch that
/// is retried does not send twice, and a failed one sends nothing.
public protocol TransactionalOutboxStore: QueueStore {
    /// Applies `settlements`; if every one of them applied, stores `outbox` too, in the same
    /// step; then leases up to `maxCount` visible messages of `queue` (none when 0).
    ///
    /// With a non-empty outbox the step is all or nothing: when one settlement is stale (its
    /// lease lapsed, so the message comes again), none is applied and the outbox is not
    /// stored — every result is ``SettleResult/staleLease`` and nothing is leased. The batch
    /// is delivered again and its handler sends once. Without an outbox each settlement
    /// applies on its own, as in ``QueueStore/settle(_:)``.
    func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement
}

/// Thrown inside an engine's transaction to roll back a batch with an outbox when one of
/// its settlements is stale (see ``TransactionalOutboxStore``).
package struct OutboxBatchStale: Error {
    package let count: Int
    package init(count: Int) { self.count = count }
}

extension OutboxSettlement {
    /// The answer for a batch rolled back because one of its `count` settlements was stale.
    package static func rolledBack(_ count: Int) -> OutboxSettlement {
        OutboxSettlement(results: Array(repeating: .staleLease, count: count), outboxStored: false, leases: [])
    }
}

extension Array where Element == QueuedMessage {
    /// The messages grouped by queue, queues in first-use order, messages in send order.
    package var byQueue: [(queue: String, messages: [OutgoingMessage])] {
        var order: [String] = []
        var groups: [String: [OutgoingMessage]] = [:]
        for item in self {
            if groups[item.queue] == nil { order.append(item.queue) }
            groups[item.queue, default: []].append(item.message)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }
}
