import Foundation

/// Publishing to the manifest's topics.
extension QueueClient {
    /// Publishes raw body bytes to `topic`: one copy into every subscribed queue whose
    /// filter matches `attributes`, all in one store step (every copy or none).
    ///
    /// - Returns: Which queues got a copy; no deliveries (and nothing stored) when no
    ///   subscription matched, which is not an error.
    /// - Throws: ``SendError`` for an unknown topic or attributes over the limits; store
    ///   errors, after which no queue holds a copy.
    @discardableResult
    public func publish(body: Data, to topic: String, attributes: [String: String] = [:]) async throws -> PublishReceipt {
        let (receipt, copies) = try prepare(OutgoingMessage(body: body, attributes: attributes), to: topic)
        try await TopicFanOut.store(copies, topic: topic, in: store)
        return receipt
    }

    /// Publishes `value` encoded as JSON to `topic` (see ``publish(body:to:attributes:)``).
    ///
    /// - Returns: Which queues got a copy.
    /// - Throws: ``SendError`` for an unknown topic, bad attributes or an unencodable value; store errors.
    @discardableResult
    public func publish<Value: Encodable>(_ value: Value, to topic: String, attributes: [String: String] = [:]) async throws -> PublishReceipt {
        try await publish(body: encode(value, for: "topic '\(topic)'"), to: topic, attributes: attributes)
    }

    /// The topic named `name`.
    ///
    /// - Throws: ``SendError`` naming the declared topics, with a did-you-mean.
    package func topic(named name: String) throws -> TopicConfig {
        if let topic = topics.first(where: { $0.name == name }) { return topic }
        let names = topics.map(\.name)
        var text = "unknown topic '\(name)'; declare it under \"topics\" in functions.json"
        text += names.isEmpty ? " (no topics are declared)" : " (declared topics: \(names.joined(separator: ", ")))"
        if let guess = Suggestion.closest(to: name, in: names) { text += "; did you mean '\(guess)'?" }
        throw SendError(description: text)
    }

    /// The receipt and the copies publishing `message` to `topic` would store, without storing them.
    ///
    /// - Throws: ``SendError`` for an unknown topic, attributes over the limits, or a
    ///   subscription to a queue this client may not send to.
    package func prepare(_ message: OutgoingMessage, to topic: String) throws -> (PublishReceipt, [QueuedMessage]) {
        let config = try self.topic(named: topic)
        do {
            try MessageAttributeInput.checkLimits(message.attributes)
        } catch {
            throw SendError(description: "could not publish to topic '\(topic)': \(error)")
        }
        let copies = TopicFanOut.copies(of: message, to: config)
        for copy in copies { try checkKnown(copy.queue) }
        let receipt = PublishReceipt(topic: topic, deliveries: copies.map { PublishReceipt.Delivery(queue: $0.queue, id: $0.message.id) })
        return (receipt, copies)
    }

    /// `value` as JSON bytes.
    func encode<Value: Encodable>(_ value: Value, for destination: String) throws -> Data {
        do {
            return try coding.makeEncoder().encode(value)
        } catch {
            throw SendError(description: "could not encode \(Value.self) as JSON for \(destination): \(error)")
        }
    }
}
