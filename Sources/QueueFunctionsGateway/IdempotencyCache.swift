import QueueFunctions
import QueueFunctionsHTTP
import Foundation
import Synchronization

/// Remembers which message each idempotency key produced, for a window, so a
/// retried post is answered with the original message id and sends nothing.
///
/// A key is first *claimed*; the claimant sends the message and then *completes*
/// the key with the id (or *abandons* it when the send failed). A request with
/// the same key that arrives while the first is still sending waits for it, and
/// then replays its id (or takes over the claim if the first failed), so two
/// concurrent retries never both send.
final class IdempotencyCache: Sendable {
    /// What a caller should do with a key.
    enum Claim: Sendable, Equatable {
        /// The key is new (or expired): send, then call ``complete(_:id:now:)`` or ``abandon(_:)``.
        case claimed
        /// The key was used within the window: answer with this id and send nothing.
        case replay(MessageID)
    }

    private enum Entry {
        case pending(waiters: [CheckedContinuation<Claim?, Never>])
        case done(MessageID, expiresAt: Date)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Completed keys in the order they expire (the window is the same for all).
        var expiryOrder = RingBuffer<(key: String, expiresAt: Date)>()
    }

    /// How long a completed key is remembered.
    let window: Duration
    /// The most completed keys kept; the oldest are forgotten first beyond it.
    let capacity: Int
    private let state = Mutex(State())

    /// Creates a cache that remembers keys for `window`, at most `capacity` of them.
    init(window: Duration, capacity: Int = 100_000) {
        self.window = window
        self.capacity = capacity
    }

    /// Claims `key`, or reports the id it already produced; waits while another
    /// request holding the same key is still sending.
    func claim(_ key: String, now: Date) async -> Claim {
        while true {
            let resolved: Claim? = await withCheckedContinuation { continuation in
                let immediate: Claim?? = state.withLock { state in
                    Self.prune(&state, now: now)
                    switch state.entries[key] {
                    case .done(let id, let expiresAt)? where expiresAt > now:
                        return .some(.replay(id))
                    case nil, .done?:
                        state.entries[key] = .pending(waiters: [])
                        return .some(.claimed)
                    case .pending(var waiters)?:
                        waiters.append(continuation)
                        state.entries[key] = .pending(waiters: waiters)
                        return .none
                    }
                }
                if case .some(let claim) = immediate { continuation.resume(returning: claim) }
            }
            // nil: the first request gave up on the key; try to claim it again.
            if let resolved { return resolved }
        }
    }

    /// Records that `key` produced `id`; waiting duplicates replay it.
    func complete(_ key: String, id: MessageID, now: Date) {
        let waiters: [CheckedContinuation<Claim?, Never>] = state.withLock { state in
            let expiresAt = now.adding(window)
            var waiters: [CheckedContinuation<Claim?, Never>] = []
            if case .pending(let pending)? = state.entries[key] { waiters = pending }
            state.entries[key] = .done(id, expiresAt: expiresAt)
            state.expiryOrder.append((key, expiresAt))
            while state.expiryOrder.count > capacity, let oldest = state.expiryOrder.popFirst() {
                Self.forget(&state, oldest.key, ifExpiringAt: oldest.expiresAt)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: .replay(id)) }
    }

    /// Forgets a claimed key whose send failed; a waiting duplicate claims it next.
    func abandon(_ key: String) {
        let waiters: [CheckedContinuation<Claim?, Never>] = state.withLock { state in
            guard case .pending(let waiters)? = state.entries[key] else { return [] }
            state.entries[key] = nil
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// How many keys are remembered (completed or being sent).
    var count: Int { state.withLock { $0.entries.count } }

    private static func prune(_ state: inout State, now: Date) {
        while let oldest = state.expiryOrder.first, oldest.expiresAt <= now {
            _ = state.expiryOrder.popFirst()
            forget(&state, oldest.key, ifExpiringAt: oldest.expiresAt)
        }
    }

    /// Removes `key` if it is the completed entry expiring at `expiresAt` (not a newer use of the key).
    private static func forget(_ state: inout State, _ key: String, ifExpiringAt expiresAt: Date) {
        if case .done(_, let entryExpiry)? = state.entries[key], entryExpiry == expiresAt {
            state.entries[key] = nil
        }
    }
}
