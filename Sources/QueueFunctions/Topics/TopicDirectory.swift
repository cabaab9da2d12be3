import Synchronization

/// The topics a host's ``QueueClient``s publish to, shared by every client of the host,
/// so a manifest reload that changes a topic reaches the functions it left running.
package final class TopicDirectory: Sendable {
    private let current: Mutex<[TopicConfig]>

    /// A directory holding `topics`.
    package init(_ topics: [TopicConfig] = []) {
        current = Mutex(topics)
    }

    /// The topics now.
    package var topics: [TopicConfig] { current.withLock { $0 } }

    /// Replaces every topic (a manifest reload).
    package func replace(with topics: [TopicConfig]) {
        current.withLock { $0 = topics }
    }
}
