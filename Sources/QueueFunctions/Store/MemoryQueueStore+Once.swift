import Foundation

extension MemoryQueueStore: OnceKeyStore {
    /// Claims `key` in this process's memory (gone when it ends).
    public func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim {
        onceKeys.claim(key, for: duration)
    }

    /// Records the result of the claim `token`.
    public func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool {
        onceKeys.complete(key, token: token, result: result, ttl: ttl)
    }

    /// Forgets the claim `token`.
    public func abandonOnce(_ key: String, token: String) async throws {
        onceKeys.abandon(key, token: token)
    }
}
