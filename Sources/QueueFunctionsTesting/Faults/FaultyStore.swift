import Foundation
import QueueFunctions

/// Wraps any ``QueueStore`` (memory, SQLite, your own) and injects the faults of a
/// ``StoreFaults``: failed calls (retryable or fatal), latency, leases that lapse early,
/// duplicate deliveries and outages. Use it to test your own failure handling, or hand
/// it to ``TestHost`` with `storeFaults:`.
///
/// ```swift
/// let faults = StoreFaults(seed: 1, [.failure(.busy, of: .settle, when: .onCall(1))])
/// let store = FaultyStore(wrapping: try await SQLiteQueueStore(path: "test.sqlite"), faults: faults)
/// ```
///
/// An injected failure is thrown before the call reaches the wrapped store, so nothing
/// was applied and a retry is always safe. `waitForMessages` and `close` pass through.
public struct FaultyStore: QueueStore {
    let injector: StoreFaultInjector

    /// The faults and their counts.
    public let faults: StoreFaults

    /// The store that does the work.
    public var base: any QueueStore { injector.base }

    /// Wraps `base`, injecting `faults`.
    public init(wrapping base: any QueueStore, faults: StoreFaults) {
        self.faults = faults
        injector = StoreFaultInjector(wrapping: base, controller: faults.controller)
    }

    /// Sends, unless a fault fails or delays the call.
    public func send(_ messages: [OutgoingMessage], to queue: String) async throws {
        try await injector.send(messages, to: queue)
    }

    /// Receives, unless a fault fails the call; lease faults apply to what comes back.
    public func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        try await injector.receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }

    /// Settles, unless a fault fails the call.
    public func settle(_ settlements: [Settlement]) async throws -> [SettleResult] {
        try await injector.settle(settlements)
    }

    /// Settles and receives in one step, unless a settle or receive fault fails it first.
    public func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        try await injector.settleAndReceive(settlements, from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }

    /// Extends a lease, unless a fault fails the call.
    public func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        try await injector.extend(token, visibilityTimeout: visibilityTimeout)
    }

    /// Redrives, unless a fault fails the call.
    public func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        try await injector.redrive(from: deadLetterQueue, to: destination, limit: limit)
    }

    /// Purges, unless a fault fails the call.
    public func purge(_ queue: String) async throws -> Int {
        try await injector.purge(queue)
    }

    /// Peeks, unless a fault fails the call.
    public func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] {
        try await injector.peek(queue, limit: limit)
    }

    /// Counts, unless a fault fails the call.
    public func stats(for queue: String) async throws -> QueueStats {
        try await injector.stats(for: queue)
    }

    /// Lists queue names, unless a fault fails the call.
    public func queueNames() async throws -> [String] {
        try await injector.queueNames()
    }

    /// Waits as the wrapped store does; returns at once while a duplicate waits for `queue`.
    public func waitForMessages(on queue: String, until deadline: Date) async {
        await injector.waitForMessages(on: queue, until: deadline)
    }

    /// Closes the wrapped store.
    public func close() async {
        await injector.close()
    }

    /// The wrapped store's lanes.
    public var receiveLanes: Int { injector.receiveLanes }

    /// The wrapped store's prefetch.
    public var receivePrefetch: Int { injector.receivePrefetch }
}

extension FaultyStore: TransactionalOutboxStore {
    /// Settles with the batch's outbox as the wrapped store does, unless a fault fails the
    /// call (as it would fail the same batch's `settleAndReceive`).
    public func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        try await injector.settle(
            settlements, outbox: outbox, thenReceiveFrom: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout
        )
    }
}
