import Foundation

/// Sending a message that carries attributes (from HTTP headers or `--attribute`).
extension QueueClient {
    /// Sends `message` (with its attributes) to `queue`, deduplicated by `deduplicationKey`
    /// within `window` when given, as ``send(body:to:deduplicationKey:window:)`` does.
    ///
    /// - Returns: The message the send stored, or the original one for a duplicate.
    /// - Throws: ``SendError`` for an unknown queue or attributes over the limits; store errors.
    package func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey: String? = nil, window: Duration = .zero
    ) async throws -> SendReceipt {
        try checkKnown(queue)
        do {
            try MessageAttributeInput.checkLimits(message.attributes)
        } catch {
            throw SendError(description: "could not send to queue '\(queue)': \(error)")
        }
        if let deduplicationKey, let store = store as? any DeduplicatingQueueStore {
            return try await store.send(message, to: queue, deduplicationKey: deduplicationKey, window: window)
        }
        try await store.send([message], to: queue)
        return SendReceipt(id: message.id, isDuplicate: false)
    }
}
