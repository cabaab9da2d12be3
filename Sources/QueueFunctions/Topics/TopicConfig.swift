/// A topic: one published message, a copy into every subscribed queue whose filter
/// matches its attributes (publish/subscribe, as SNS topics feeding SQS queues).
public struct TopicConfig: Sendable, Equatable {
    /// The topic's name (`order-events`).
    public var name: String
    /// Where copies go, in manifest order.
    public var subscriptions: [TopicSubscription]

    /// Creates a topic.
    public init(name: String, subscriptions: [TopicSubscription]) {
        self.name = name
        self.subscriptions = subscriptions
    }

    /// The queues a message with `attributes` is copied into, in subscription order, each once.
    public func queues(matching attributes: [String: String]) -> [String] {
        var seen = Set<String>()
        return subscriptions.filter { $0.filter.matches(attributes) && seen.insert($0.queue).inserted }.map(\.queue)
    }
}

/// One subscription of a topic: a queue, and which messages it takes.
public struct TopicSubscription: Sendable, Equatable {
    /// The queue copies go to.
    public var queue: String
    /// Which messages it takes; ``AttributeFilter/everything`` by default.
    public var filter: AttributeFilter

    /// Creates a subscription of `queue`, filtered by `filter`.
    public init(queue: String, filter: AttributeFilter = .everything) {
        self.queue = queue
        self.filter = filter
    }
}

extension Manifest {
    /// The topic named `name`, if declared.
    public func topic(named name: String) -> TopicConfig? {
        topics.first { $0.name == name }
    }
}
