import Foundation

extension Array where Element == OutgoingMessage {
    /// Refuses a batch in which two messages share an id, so every engine answers a
    /// bad batch the same way and stores none of it.
    ///
    /// - Throws: ``QueueStoreError`` `.invalidArgument` naming the first repeated id.
    package func checkDistinctIDs(queue: String) throws {
        guard count > 1 else { return }
        var seen = Set<MessageID>(minimumCapacity: count)
        for message in self where !seen.insert(message.id).inserted {
            throw QueueStoreError(
                .invalidArgument,
                "message id \(message.id) appears more than once in one send to queue \(queue); give each message its own id"
            )
        }
    }
}
