import Foundation

extension StoreFaultInjector: CancellingQueueStore {
    /// Cancels on the wrapped store, after letting the faults fail the call as a send.
    package func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult {
        try await admit(.send, queue: queue)
        guard let base = base as? any CancellingQueueStore else {
            throw QueueStoreError(.invalidArgument, "the wrapped store cannot cancel messages; use the memory, SQLite or PostgreSQL engine")
        }
        return try await base.cancel(id, on: queue)
    }
}
