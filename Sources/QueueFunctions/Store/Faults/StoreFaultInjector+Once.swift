import Foundation

extension StoreFaultInjector: OnceKeyStore {
    /// The wrapped store's once-keys; a store without them refuses the call.
    private var onceBase: any OnceKeyStore {
        get throws {
            guard let store = base as? any OnceKeyStore else {
                throw QueueStoreError(.invalidArgument, "the wrapped store keeps no once-keys; wrap the memory, SQLite or PostgreSQL engine")
            }
            return store
        }
    }

    /// Claims on the wrapped store (once-keys pass through without faults).
    package func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim {
        try await onceBase.claimOnce(key, for: duration)
    }

    /// Completes on the wrapped store.
    package func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool {
        try await onceBase.completeOnce(key, token: token, result: result, ttl: ttl)
    }

    /// Abandons on the wrapped store.
    package func abandonOnce(_ key: String, token: String) async throws {
        try await onceBase.abandonOnce(key, token: token)
    }
}
