import Foundation
import QueueFunctions

/// A test store that wraps another one: every call it does not implement itself goes to
/// `base`, so a wrapper states only the calls it watches or fails.
protocol ForwardingQueueStore: QueueStore {
    /// The store the calls go to.
    var base: any QueueStore { get }
}

extension ForwardingQueueStore {
    func send(_ messages: [OutgoingMessage], to queue: String) async throws { try await base.send(messages, to: queue) }
    func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        try await base.receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }
    func settle(_ settlements: [Settlement]) async throws -> [SettleResult] { try await base.settle(settlements) }
    func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        try await base.settleAndReceive(settlements, from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }
    func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        try await base.extend(token, visibilityTimeout: visibilityTimeout)
    }
    func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        try await base.redrive(from: deadLetterQueue, to: destination, limit: limit)
    }
    func purge(_ queue: String) async throws -> Int { try await base.purge(queue) }
    func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] { try await base.peek(queue, limit: limit) }
    func stats(for queue: String) async throws -> QueueStats { try await base.stats(for: queue) }
    func queueNames() async throws -> [String] { try await base.queueNames() }
    func waitForMessages(on queue: String, until deadline: Date) async { await base.waitForMessages(on: queue, until: deadline) }
    func close() async { await base.close() }
    var receiveLanes: Int { base.receiveLanes }
    var receivePrefetch: Int { base.receivePrefetch }
}
