import Foundation

/// A store capability: deletes a message that is waiting to be delivered (scheduled,
/// delayed, visible or waiting for its FIFO group), by id. Every engine has it.
public protocol CancellingQueueStore: QueueStore {
    /// Deletes message `id` from `queue` unless it is in flight.
    ///
    /// - Returns: ``CancelResult`` saying what happened.
    func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult
}

/// What ``CancellingQueueStore/cancel(_:on:)`` did.
public enum CancelResult: String, Sendable, Equatable, Codable {
    /// The message was deleted; it will never be delivered.
    case cancelled
    /// No message with that id is on the queue (never sent, already handled, or moved).
    case notFound
    /// The message is leased to a consumer now; it cannot be cancelled (wait for the
    /// outcome, or purge the queue).
    case inFlight
}
