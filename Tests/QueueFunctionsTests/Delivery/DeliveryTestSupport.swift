import Foundation
@testable import QueueFunctions

extension TemporarySQLiteStore: CancellingQueueStore {
    func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult { try await store.cancel(id, on: queue) }
}

extension TemporaryPostgresStore: CancellingQueueStore {
    func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult { try await store.cancel(id, on: queue) }
}
