import Foundation

/// A queue's delivery options from `functions.json`: `fifo`, `contentBasedDeduplication`,
/// `deduplicationWindow` and `defaultPriority`.
public struct QueueDelivery: Sendable, Equatable {
    /// SQS's deduplication interval: 5 minutes.
    public static let defaultDeduplicationWindow: Duration = .seconds(300)

    /// A FIFO queue: every message names a group; within a group one message is in flight
    /// at a time, in send order (default false).
    public var fifo: Bool
    /// On a FIFO queue, a message without a deduplication id is deduplicated by a hash
    /// of its body (SQS `ContentBasedDeduplication`; default false).
    public var contentBasedDeduplication: Bool
    /// How long a deduplication id is remembered after the first send (default 5 minutes).
    public var deduplicationWindow: Duration
    /// The priority of messages sent without one, 0–9 (default 0).
    public var defaultPriority: Int

    /// Creates delivery options.
    public init(
        fifo: Bool = false, contentBasedDeduplication: Bool = false,
        deduplicationWindow: Duration = QueueDelivery.defaultDeduplicationWindow, defaultPriority: Int = 0
    ) {
        self.fifo = fifo
        self.contentBasedDeduplication = contentBasedDeduplication
        self.deduplicationWindow = deduplicationWindow
        self.defaultPriority = defaultPriority
    }
}
