extension QueueConfig {
    /// Where this queue's failing messages go: its `dead_letter_queue`, or `<name>-dlq`
    /// for a terminal queue (one that is itself a dead-letter queue), so nothing is ever dropped.
    public var effectiveDeadLetterQueue: String {
        deadLetterQueue ?? "\(name)-dlq"
    }
}

extension Manifest {
    /// Whether some queue dead-letters into `name`.
    public func isDeadLetterQueue(_ name: String) -> Bool {
        queues.contains { $0.deadLetterQueue == name }
    }

    /// The dead-letter queue an operator means by `name`: `name` itself when it is a
    /// dead-letter queue, otherwise the dead-letter queue of the queue `name`
    /// (as `dlq list QUEUE` and `/api/dlq/{q}` read it).
    public func deadLetterQueue(meant name: String) -> String {
        if isDeadLetterQueue(name) { return name }
        return queue(named: name)?.effectiveDeadLetterQueue ?? "\(name)-dlq"
    }

    /// The queues that dead-letter into `name`.
    public func sourceQueues(ofDeadLetterQueue name: String) -> [String] {
        queues.filter { $0.deadLetterQueue == name }.map(\.name)
    }
}
