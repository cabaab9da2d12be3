import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsPostgres

/// The keys of `context.once(key:)`, run against every engine.
@Suite("Store conformance: once-keys")
struct OnceKeyConformanceTests {
    private func onceStore(_ engine: StoreEngine, _ clock: ManualClock) async throws -> any OnceKeyStore {
        let store = try await engine.make(clock)
        return try #require(store as? any OnceKeyStore, "\(engine) keeps no once-keys")
    }

    @Test("a new key is claimed; while it runs others see it running; once completed everyone gets its result",
          arguments: StoreEngine.all)
    func claimRunComplete(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await onceStore(engine, clock)
        guard case .claimed(let token) = try await store.claimOnce("invoice 42", for: .seconds(30)) else {
            Issue.record("a new key was not claimed")
            return
        }
        #expect(try await store.claimOnce("invoice 42", for: .seconds(30)) == .running(until: clock.now().adding(.seconds(30))))
        #expect(try await store.completeOnce("invoice 42", token: token, result: Data("INV-1".utf8), ttl: .seconds(60)))
        #expect(try await store.claimOnce("invoice 42", for: .seconds(30)) == .completed(result: Data("INV-1".utf8)))
        if case .claimed = try await store.claimOnce("invoice 43", for: .seconds(30)) {} else { Issue.record("another key was not claimed") }
        await store.close()
    }

    @Test("an abandoned claim (the body threw) lets the next delivery claim the key", arguments: StoreEngine.all)
    func abandon(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await onceStore(engine, clock)
        guard case .claimed(let token) = try await store.claimOnce("k", for: .seconds(30)) else { throw OnceTestFailure() }
        try await store.abandonOnce("k", token: "someone else")
        #expect(try await store.claimOnce("k", for: .seconds(30)) != .completed(result: Data()))
        if case .claimed = try await store.claimOnce("k", for: .seconds(30)) { Issue.record("a foreign token abandoned the claim") }
        try await store.abandonOnce("k", token: token)
        if case .claimed = try await store.claimOnce("k", for: .seconds(30)) {} else { Issue.record("the key was not free again") }
        await store.close()
    }

    @Test("a lapsed claim (its host died) is taken over, and the old token can no longer complete", arguments: StoreEngine.all)
    func lapse(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await onceStore(engine, clock)
        guard case .claimed(let old) = try await store.claimOnce("k", for: .seconds(10)) else { throw OnceTestFailure() }
        clock.advance(by: .seconds(10))
        guard case .claimed(let new) = try await store.claimOnce("k", for: .seconds(10)) else { throw OnceTestFailure() }
        #expect(try await !store.completeOnce("k", token: old, result: Data("old".utf8), ttl: .seconds(60)))
        #expect(try await store.completeOnce("k", token: new, result: Data("new".utf8), ttl: .seconds(60)))
        #expect(try await store.claimOnce("k", for: .seconds(10)) == .completed(result: Data("new".utf8)))
        await store.close()
    }

    @Test("a completed key is forgotten after its TTL", arguments: StoreEngine.all)
    func ttl(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await onceStore(engine, clock)
        guard case .claimed(let token) = try await store.claimOnce("k", for: .seconds(10)) else { throw OnceTestFailure() }
        #expect(try await store.completeOnce("k", token: token, result: Data(), ttl: .seconds(60)))
        clock.advance(by: .seconds(59))
        #expect(try await store.claimOnce("k", for: .seconds(10)) == .completed(result: Data()))
        clock.advance(by: .seconds(1))
        if case .claimed = try await store.claimOnce("k", for: .seconds(10)) {} else { Issue.record("the key outlived its TTL") }
        await store.close()
    }

    @Test("concurrent claims of one key: exactly one is claimed", arguments: StoreEngine.all)
    func concurrentClaims(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await onceStore(engine, clock)
        let claims = try await withThrowingTaskGroup(of: OnceClaim.self) { group in
            for _ in 0..<20 { group.addTask { try await store.claimOnce("same", for: .seconds(30)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(claims.count { if case .claimed = $0 { true } else { false } } == 1)
        #expect(claims.count { if case .running = $0 { true } else { false } } == 19)
        await store.close()
    }
}

struct OnceTestFailure: Error {}

extension TemporarySQLiteStore: OnceKeyStore {
    func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim { try await store.claimOnce(key, for: duration) }
    func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool {
        try await store.completeOnce(key, token: token, result: result, ttl: ttl)
    }
    func abandonOnce(_ key: String, token: String) async throws { try await store.abandonOnce(key, token: token) }
}

extension TemporaryPostgresStore: OnceKeyStore {
    func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim { try await store.claimOnce(key, for: duration) }
    func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool {
        try await store.completeOnce(key, token: token, result: result, ttl: ttl)
    }
    func abandonOnce(_ key: String, token: String) async throws { try await store.abandonOnce(key, token: token) }
}
