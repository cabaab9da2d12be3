import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// Dependency limits kept in the store for every host, on the engines that keep them (PostgreSQL).
@Suite("Store conformance: shared dependency limits")
struct SharedDependencyLimitConformanceTests {
    static let engines = StoreEngine.all.filter { $0.name == "postgres" }

    private func limits(_ engine: StoreEngine, _ clock: ManualClock) async throws -> any SharedDependencyLimitStore {
        let store = try await engine.make(clock)
        return try #require(store as? any SharedDependencyLimitStore, "\(engine) keeps no shared dependency limits")
    }

    private func request(_ config: DependencyConfig, _ holder: String, _ wanted: Int) -> DependencyLimitRequest {
        DependencyLimitRequest(dependency: config, holder: holder, wanted: wanted, leaseFor: .seconds(60))
    }

    @Test("max_concurrency holds across holders; released permits can be taken again", arguments: engines)
    func permits(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await limits(engine, clock)
        let api = DependencyConfig(name: "billing-api", maxConcurrency: 5)
        #expect(try await store.acquireDependency(request(api, "host-a", 3)).granted == 3)
        #expect(try await store.acquireDependency(request(api, "host-b", 3)).granted == 2)
        #expect(try await store.acquireDependency(request(api, "host-b", 1)).granted == 0)
        try await store.releaseDependency(api, holder: "host-a", permits: 2, tokens: 0, leaseFor: .seconds(60))
        #expect(try await store.acquireDependency(request(api, "host-b", 5)).granted == 2)
        await store.close()
    }

    @Test("a holder that stops calling (a dead host) gets its permits taken back when its lease lapses", arguments: engines)
    func deadHost(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await limits(engine, clock)
        let api = DependencyConfig(name: "billing-api", maxConcurrency: 2)
        #expect(try await store.acquireDependency(request(api, "dead", 2)).granted == 2)
        #expect(try await store.acquireDependency(request(api, "alive", 1)).granted == 0)
        clock.advance(by: .seconds(59))
        #expect(try await store.acquireDependency(request(api, "alive", 1)).granted == 0)
        clock.advance(by: .seconds(1))
        #expect(try await store.acquireDependency(request(api, "alive", 2)).granted == 2)
        await store.close()
    }

    @Test("one rate across holders: tokens refill at the rate, unused ones come back, and the next token's time is given", arguments: engines)
    func rate(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await limits(engine, clock)
        let api = DependencyConfig(name: "billing-api", rate: DependencyRate(count: 10, per: .seconds(1)), burst: 2)
        #expect(try await store.acquireDependency(request(api, "host-a", 5)).granted == 2)
        let empty = try await store.acquireDependency(request(api, "host-b", 5))
        #expect(empty.granted == 0)
        #expect(empty.nextTokenAt == clock.now().adding(.milliseconds(100)))
        clock.advance(by: .milliseconds(100))
        #expect(try await store.acquireDependency(request(api, "host-b", 5)).granted == 1)
        try await store.releaseDependency(api, holder: "host-b", permits: 1, tokens: 1, leaseFor: .seconds(60))
        #expect(try await store.acquireDependency(request(api, "host-a", 5)).granted == 1)
        await store.close()
    }
}

extension TemporaryPostgresStore: SharedDependencyLimitStore {
    func acquireDependency(_ request: DependencyLimitRequest) async throws -> DependencyLimitGrant {
        try await store.acquireDependency(request)
    }

    func releaseDependency(_ dependency: DependencyConfig, holder: String, permits: Int, tokens: Int, leaseFor: Duration) async throws {
        try await store.releaseDependency(dependency, holder: holder, permits: permits, tokens: tokens, leaseFor: leaseFor)
    }
}
