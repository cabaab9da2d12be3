import Foundation
import QueueFunctions

extension FaultyStore: CancellingQueueStore {
    /// Cancels on the wrapped store, failing as its faults say a send would.
    public func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult {
        try await injector.cancel(id, on: queue)
    }
}
