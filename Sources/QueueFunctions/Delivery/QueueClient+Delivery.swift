import Foundation

extension QueueClient {
    /// The settings of `queue`: the declared ones, or a standard queue's defaults.
    public func config(of queue: String) -> QueueConfig {
        queueConfigs[queue] ?? QueueConfig(name: queue)
    }

    /// Sends raw body bytes to `queue` with delivery options: a time, a priority, a FIFO
    /// group and deduplication id, attributes.
    ///
    /// - Returns: The stored message's id, or the original's for a deduplicated duplicate.
    /// - Throws: ``QueueClient/SendError`` for an unknown queue, ``DeliveryOptionsError``
    ///   or ``MessageAttributes/LimitError`` for options the queue refuses; store errors.
    @discardableResult
    public func send(body: Data, to queue: String, options: DeliveryOptions) async throws -> SendReceipt {
        try checkKnownQueue(queue)
        let prepared = try config(of: queue).prepare(body, options: options)
        return try await send(prepared, to: queue)
    }

    /// Stores a prepared message, deduplicated when its queue asks for it.
    package func send(_ prepared: PreparedSend, to queue: String) async throws -> SendReceipt {
        if let key = prepared.deduplicationKey {
            guard let store = store as? any DeduplicatingQueueStore else {
                throw SendError(description: "queue '\(queue)' deduplicates messages, but this store keeps no deduplication "
                    + "keys; use the memory, SQLite or PostgreSQL engine")
            }
            return try await store.send(prepared.message, to: queue, deduplicationKey: key, window: prepared.deduplicationWindow)
        }
        try await store.send([prepared.message], to: queue)
        return SendReceipt(id: prepared.message.id, isDuplicate: false)
    }

    /// Sends `value` as JSON to `queue` with delivery options.
    ///
    /// - Returns: The stored message's id, or the original's for a deduplicated duplicate.
    @discardableResult
    public func send<Value: Encodable>(_ value: Value, to queue: String, options: DeliveryOptions) async throws -> SendReceipt {
        try await send(prepare(value, to: queue, options: options), to: queue)
    }

    /// Encodes `value` and checks `options` against `queue` without storing anything.
    package func prepare<Value: Encodable>(_ value: Value, to queue: String, options: DeliveryOptions) throws -> PreparedSend {
        try checkKnownQueue(queue)
        let body: Data
        do {
            body = try coding.makeEncoder().encode(value)
        } catch {
            throw SendError(description: "could not encode \(Value.self) as JSON for queue '\(queue)': \(error)")
        }
        return try config(of: queue).prepare(body, options: options)
    }

    /// Deletes a message of `queue` that has not been delivered yet (a scheduled one).
    ///
    /// - Returns: What happened: cancelled, not found, or in flight.
    public func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult {
        guard let store = store as? any CancellingQueueStore else {
            throw SendError(description: "this store cannot cancel messages; use the memory, SQLite or PostgreSQL engine")
        }
        return try await store.cancel(id, on: queue)
    }
}
