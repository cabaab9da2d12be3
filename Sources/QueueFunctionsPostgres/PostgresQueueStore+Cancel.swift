import Foundation
import QueueFunctions

extension PostgresQueueStore: CancellingQueueStore {
    /// Deletes message `id` of `queue` unless it is in flight, in one transaction; the next
    /// message of its FIFO group (if any) may then be received by any host.
    public func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult {
        let result = try await run { try $0.cancel(id, on: queue) }
        if result == .cancelled { signal.notify(queue, count: 1) }
        return result
    }
}
