import QueueFunctions
import QueueFunctionsHTTP
import Synchronization

/// How many posts each producer route accepted, replayed, refused or failed, for `/metrics`.
final class ProducerCounters: Sendable {
    /// What happened to one post.
    enum Outcome: String, Sendable, CaseIterable {
        /// Queued; answered `202`.
        case accepted
        /// A repeated idempotency key; answered `202` with the original id, nothing sent.
        case replayed
        /// A bad body or header; answered `400`.
        case refused
        /// The store failed; answered `503`.
        case failed
    }

    private let counts = Mutex<[String: [Outcome: Int]]>([:])

    /// Counts one post to `route`.
    func count(_ route: String, _ outcome: Outcome) {
        counts.withLock { $0[route, default: [:]][outcome, default: 0] += 1 }
    }

    /// The count of `outcome` for `route`.
    func value(_ route: String, _ outcome: Outcome) -> Int {
        counts.withLock { $0[route]?[outcome] ?? 0 }
    }
}
