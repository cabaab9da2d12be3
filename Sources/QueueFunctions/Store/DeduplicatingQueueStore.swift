import Foundation

/// What a deduplicated send stored.
public struct SendReceipt: Sendable, Equatable {
    /// The id of the message the key names: the new message's, or the original's for a duplicate.
    public var id: MessageID
    /// Whether the key was already used within its window, so nothing was stored.
    public var isDuplicate: Bool

    /// Creates a receipt.
    public init(id: MessageID, isDuplicate: Bool) {
        self.id = id
        self.isDuplicate = isDuplicate
    }
}

/// A store capability: sends deduplicated by a key, durable where the store is, and
/// shared by every host of the store (HTTP idempotency keys, FIFO deduplication ids).
///
/// The check and the send are one step: two concurrent sends with the same key store
/// one message, and both get its id.
public protocol DeduplicatingQueueStore: QueueStore {
    /// Stores `message` on `queue` unless `key` was used within `window`; a duplicate
    /// stores nothing and gets the original message's id.
    ///
    /// - Parameters:
    ///   - key: The deduplication key; scope it yourself (`"POST /imports|abc"`).
    ///   - window: How long the key is remembered after the first send.
    func send(_ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration) async throws -> SendReceipt
}

/// The keys of deduplicated sends with their expiry, for engines that keep them in memory.
package struct DeduplicationKeys {
    private var entries: [String: (id: MessageID, expiresAt: Date)] = [:]
    private var expiries = MinHeap<Date, String>()

    package init() {}

    /// The id recorded under `key` if it has not expired at `now`.
    package mutating func lookup(_ key: String, now: Date) -> MessageID? {
        prune(now: now)
        guard let entry = entries[key], entry.expiresAt > now else { return nil }
        return entry.id
    }

    /// Records `id` under `key` until `expiresAt`.
    package mutating func record(_ key: String, id: MessageID, expiresAt: Date, now: Date) {
        entries[key] = (id, expiresAt)
        expiries.insert(expiresAt, key)
        prune(now: now)
    }

    /// Forgets expired keys, oldest first: amortized O(log n) per recorded key.
    private mutating func prune(now: Date) {
        while let (expiresAt, key) = expiries.min, expiresAt <= now {
            _ = expiries.popMin()
            if let entry = entries[key], entry.expiresAt <= now { entries[key] = nil }
        }
    }
}
