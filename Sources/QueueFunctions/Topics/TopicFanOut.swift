/// Turns one published message into its copies, and stores them all or none.
package enum TopicFanOut {
    /// One copy of `message` for every subscription of `topic` that matches its attributes,
    /// each with an id of its own (the first keeps `message`'s id).
    package static func copies(of message: OutgoingMessage, to topic: TopicConfig) -> [QueuedMessage] {
        topic.queues(matching: message.attributes).enumerated().map { index, queue in
            var copy = message
            if index > 0 { copy.id = .generate() }
            return QueuedMessage(queue: queue, message: copy)
        }
    }

    /// Stores `copies` in one store step: every queue gets its copy or none does.
    ///
    /// On a ``TransactionalOutboxStore`` (memory, SQLite, PostgreSQL) the copies are an
    /// outbox settled with no settlements; copies that all go to one queue are one send on
    /// any store.
    ///
    /// - Throws: ``QueueClient/SendError`` when the copies go to several queues and `store`
    ///   cannot store them atomically; store errors (then nothing was stored).
    package static func store(_ copies: [QueuedMessage], topic: String, in store: any QueueStore) async throws {
        guard let first = copies.first else { return }
        if let outboxStore = store as? any TransactionalOutboxStore {
            let answer = try await outboxStore.settle(
                [], outbox: copies, thenReceiveFrom: first.queue, maxCount: 0, visibilityTimeout: .seconds(1)
            )
            guard answer.outboxStored else {
                throw QueueStoreError(.engine, "the store did not keep the copies published to topic '\(topic)'; nothing was delivered, publish again")
            }
            return
        }
        let groups = copies.byQueue
        guard groups.count == 1 else {
            throw QueueClient.SendError(description: "topic '\(topic)' delivers to \(groups.count) queues, but \(type(of: store)) cannot store "
                + "copies on several queues at once (it is not a TransactionalOutboxStore); use the memory, SQLite or PostgreSQL store")
        }
        try await store.send(groups[0].messages, to: first.queue)
    }
}
