import Foundation

/// A ``QueueStore`` that passes every call to the store it wraps, after letting its
/// ``StoreFaultController`` fail, delay or tamper with it. The one implementation
/// behind the testing product's `FaultyStore` and the simulator's `store_faults`.
///
/// - An injected failure is thrown before the call reaches the wrapped store: nothing
///   was applied, so retrying the same call is always safe.
/// - Latency waits on the rule's clock (a manual clock only moves when advanced).
/// - `settleAndReceive` is one call that both settles (when it has settlements) and
///   receives: a fault targeting either applies to it, and its failure drops both.
/// - `waitForMessages` and `close` are passed through untouched, also in an outage
///   (a waiter that returns early must not turn into a busy loop around failing calls),
///   unless the controller says outages silence wake-ups (the simulator's unreachable store).
package struct StoreFaultInjector: QueueStore {
    /// The store that does the work.
    package let base: any QueueStore
    /// The faults and their counts.
    package let controller: StoreFaultController

    /// Wraps `base`, injecting the faults of `controller`.
    package init(wrapping base: any QueueStore, controller: StoreFaultController) {
        self.base = base
        self.controller = controller
    }

    package func send(_ messages: [OutgoingMessage], to queue: String) async throws {
        try await admit(.send, queue: queue)
        try await base.send(messages, to: queue)
    }

    package func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        try await admit(.receive, queue: queue)
        let duplicates = controller.takeDuplicates(for: queue, limit: maxCount)
        guard duplicates.count < maxCount else { return duplicates }
        let fresh = try await base.receive(from: queue, maxCount: maxCount - duplicates.count, visibilityTimeout: visibilityTimeout)
        return duplicates + (await tamper(fresh, queue: queue))
    }

    package func settle(_ settlements: [Settlement]) async throws -> [SettleResult] {
        try await admit(.settle, queue: nil)
        return try await base.settle(settlements)
    }

    package func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        try await admit(settlements.isEmpty ? .receive : [.settle, .receive], queue: queue)
        let duplicates = controller.takeDuplicates(for: queue, limit: maxCount)
        let answer = try await base.settleAndReceive(
            settlements, from: queue, maxCount: maxCount - duplicates.count, visibilityTimeout: visibilityTimeout
        )
        return (answer.results, duplicates + (await tamper(answer.leases, queue: queue)))
    }

    package func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        try await admit(.extend, queue: nil)
        return try await base.extend(token, visibilityTimeout: visibilityTimeout)
    }

    package func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        try await admit(.redrive, queue: deadLetterQueue)
        return try await base.redrive(from: deadLetterQueue, to: destination, limit: limit)
    }

    package func purge(_ queue: String) async throws -> Int {
        try await admit(.purge, queue: queue)
        return try await base.purge(queue)
    }

    package func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] {
        try await admit(.peek, queue: queue)
        return try await base.peek(queue, limit: limit)
    }

    package func stats(for queue: String) async throws -> QueueStats {
        try await admit(.stats, queue: queue)
        return try await base.stats(for: queue)
    }

    package func queueNames() async throws -> [String] {
        try await admit(.queueNames, queue: nil)
        return try await base.queueNames()
    }

    package func waitForMessages(on queue: String, until deadline: Date) async {
        if controller.hasDuplicates(for: queue) { return }
        if controller.outagesSilenceWakeUps && controller.isOutageNow {
            try? await controller.clock.sleep(until: deadline)
            return
        }
        await base.waitForMessages(on: queue, until: deadline)
    }

    package func close() async {
        await base.close()
    }

    package var receiveLanes: Int { base.receiveLanes }

    package var receivePrefetch: Int { base.receivePrefetch }

    /// Waits out injected latency, then throws the injected failure, if any.
    func admit(_ operation: StoreOperations, queue: String?) async throws {
        let faults = controller.callFaults(operation, queue: queue)
        for (duration, clock) in faults.latencies {
            try await clock.sleep(for: duration)
        }
        if let failure = faults.failure { throw failure }
    }

    /// Makes the chosen leases lapse early (the caller still holds them, believing the
    /// lease runs to its `expiresAt`); duplicates were queued by the controller.
    func tamper(_ leases: [Lease], queue: String) async -> [Lease] {
        let faults = controller.leaseFaults(leases, queue: queue)
        for (token, after) in faults.lapse {
            // An engine that refuses is not a test failure: the lease then runs its full time.
            _ = try? await base.extend(token, visibilityTimeout: after)
        }
        return leases
    }
}
