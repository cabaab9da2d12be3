import Foundation
import Testing
@testable import QueueFunctions

/// The host registry: heartbeats, the live window, leaving; on every engine that keeps one.
@Suite("Store conformance: host registry")
struct HostRegistryConformanceTests {
    private func record(_ id: String, startedAt: Date, workers: Int = 2) -> HostRecord {
        HostRecord(
            id: id, machine: "box", pid: 42, address: "http://127.0.0.1:7071/", startedAt: startedAt, lastSeen: startedAt,
            functions: ["work": .init(workers: workers, desiredWorkers: workers, invocations: 3, succeeded: 30, retried: 0, deadLettered: 0)]
        )
    }

    @Test("hosts are listed while they beat, with the store's time, and not after they leave or fall silent", arguments: StoreEngine.all)
    func heartbeatsAndWindow(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let registry = try #require(store as? any HostRegistry, "\(engine) keeps no host registry")
        let start = clock.now()
        try await registry.heartbeat(record("a", startedAt: start))
        clock.advance(by: .seconds(1))
        try await registry.heartbeat(record("b", startedAt: clock.now(), workers: 5))
        var hosts = try await registry.hosts(seenWithin: .seconds(6))
        #expect(hosts.map(\.id) == ["a", "b"])
        #expect(hosts.first?.lastSeen == start && hosts.last?.workers == 5)
        #expect(hosts.first?.functions["work"]?.succeeded == 30)
        clock.advance(by: .seconds(5))
        try await registry.heartbeat(record("b", startedAt: start.adding(.seconds(1))))
        hosts = try await registry.hosts(seenWithin: .seconds(5.5))
        #expect(hosts.map(\.id) == ["b"], "a fell silent 6 s ago")
        try await registry.removeHost(id: "b")
        #expect(try await registry.hosts(seenWithin: .seconds(60)).map(\.id) == ["a"])
        await store.close()
    }
}
