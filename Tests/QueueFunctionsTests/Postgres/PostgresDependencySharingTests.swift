import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres
import QueueFunctionsTesting

/// Two hosts on one PostgreSQL database share one dependency's `max_concurrency`.
@Suite("PostgreSQL: dependency limits across hosts")
struct PostgresDependencySharingTests {
    @Test("two hosts with 3 workers each never run more than max_concurrency 2 calls at once")
    func concurrencyAcrossHosts() async throws {
        let database = try await PostgresTestCluster.createDatabase()
        let clock = ManualClock()
        let api = FakeAPI()
        let manifest = try dependencyManifest(
            queues: ["jobs"],
            functions: [#"{"name": "slow", "handler": "SlowCall", "trigger": {"queue": "jobs", "batch_size": 1}, "timeout": "30s", "#
                + #""dependencies": ["billing-api"], "scale": {"min_workers": 3, "max_workers": 3}}"#],
            dependencies: #"[{"name": "billing-api", "max_concurrency": 2}]"#
        )
        var stores: [PostgresQueueStore] = []
        var hosts: [FunctionHost] = []
        var runs: [Task<Void, Never>] = []
        for _ in 0..<2 {
            let store = try await PostgresQueueStore(url: database.url, options: .init(connections: 3, time: .clock(clock)))
            var registry = FunctionRegistry()
            registry.register("SlowCall", SlowCall(api: api, hold: .seconds(1)))
            let host = try FunctionHost(manifest: manifest, registry: registry, store: store, clock: clock, logger: .disabled)
            host.startFixedPools()
            stores.append(store)
            hosts.append(host)
            runs.append(Task { await host.run() })
        }
        for number in 0..<10 { try await stores[0].send(Data(#"{"number": \#(number)}"#.utf8), to: "jobs") }
        // Calls are recorded when they start; the queue is empty once the last one has finished.
        var steps = 0
        while try await stores[0].stats(for: "jobs").total > 0, steps < 400 {
            try await Task.sleep(for: .milliseconds(30))
            clock.advance(by: .milliseconds(100))
            steps += 1
        }
        #expect(Set(api.successes.map(\.number)).count == 10, "handled \(api.successes.count) of 10")
        #expect(api.mostRunning <= 2, "\(api.mostRunning) calls at once across the hosts; max_concurrency is 2")
        #expect(Set(api.calls.map(\.caller)) == ["slow"])
        for host in hosts { host.stop() }
        for run in runs { await run.value }
        for store in stores { await store.close() }
        await PostgresTestCluster.dropDatabase(database.name)
    }
}
