import QueueFunctions
import Foundation

extension SQLiteQueueStore: CancellingQueueStore {
    /// Deletes message `id` of `queue` unless it is in flight, in one transaction; the next
    /// message of its FIFO group (if any) goes on.
    public func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult {
        let now = clock.now()
        let outcome = try await worker.perform { connection in
            try SQLiteMessageTable.run(connection) { try $0.cancel(id, on: queue, now: now) }
        }
        if outcome.woke > 0 { signal.notify(queue, count: outcome.woke) }
        return outcome.result
    }
}
