/// What publishing one message to a topic did: which queues got a copy, under which id.
///
/// Publishing to a topic whose filters match nothing is not an error: the receipt then
/// has no deliveries, and nothing was stored.
public struct PublishReceipt: Sendable, Equatable {
    /// One copy, stored on one queue.
    public struct Delivery: Sendable, Equatable {
        /// The subscribed queue.
        public var queue: String
        /// The copy's identity on that queue.
        public var id: MessageID

        /// Creates a delivery.
        public init(queue: String, id: MessageID) {
            self.queue = queue
            self.id = id
        }
    }

    /// The topic published to.
    public var topic: String
    /// One copy per matching subscription, in subscription order; empty when none matched.
    public var deliveries: [Delivery]

    /// Creates a receipt.
    public init(topic: String, deliveries: [Delivery]) {
        self.topic = topic
        self.deliveries = deliveries
    }

    /// The queues that got a copy, in subscription order.
    public var queues: [String] { deliveries.map(\.queue) }
}
