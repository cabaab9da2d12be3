import Foundation

extension FunctionContext {
    /// Publishes `value` as JSON to `topic`: one copy into every subscribed queue whose
    /// filter matches `attributes`.
    ///
    /// On a store with a transactional outbox (memory, SQLite, PostgreSQL) the copies are
    /// stored together with the acks of this batch, once the handler has returned, like
    /// ``send(_:to:delay:)``: a batch that fails publishes nothing, and one that is delivered
    /// again publishes once.
    ///
    /// - Returns: Which queues get a copy; none (not an error) when no filter matches.
    /// - Throws: ``QueueClient/SendError`` for an unknown topic, bad attributes or an
    ///   unencodable value; store errors.
    @discardableResult
    public func publish<Value: Encodable>(_ value: Value, to topic: String, attributes: [String: String] = [:]) async throws -> PublishReceipt {
        guard let outbox else { return try await queues.publish(value, to: topic, attributes: attributes) }
        let body = try queues.encode(value, for: "topic '\(topic)'")
        let (receipt, copies) = try queues.prepare(OutgoingMessage(body: body, attributes: attributes), to: topic)
        for copy in copies { try outbox.append(copy) }
        return receipt
    }
}
