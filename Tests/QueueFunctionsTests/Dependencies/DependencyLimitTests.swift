import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// Limits of a dependency hold across every function that uses it, on a manual clock.
@Suite("Dependency limits in the dispatcher")
struct DependencyLimitTests {
    @Test("one rate limit holds across 3 functions that share a dependency, and every message is handled")
    func sharedRate() async throws {
        let api = FakeAPI()
        var registry = FunctionRegistry()
        registry.register("CallsAPI", CallsAPI(api: api))
        let functions = ["a", "b", "c"].map { name in
            #"{"name": "\#(name)", "handler": "CallsAPI", "trigger": {"queue": "\#(name)-jobs", "batch_size": 10}, "#
                + #""dependencies": ["billing-api"], "scale": {"min_workers": 2, "max_workers": 2}}"#
        }
        let manifest = try dependencyManifest(queues: ["a-jobs", "b-jobs", "c-jobs"], functions: functions,
                                              dependencies: #"[{"name": "billing-api", "rate": "5/s"}]"#)
        let host = try TestHost(manifest: manifest, registry: registry)
        for queue in ["a-jobs", "b-jobs", "c-jobs"] {
            for number in 0..<10 { try await host.send(BillingJob(number: number), to: queue) }
        }
        await host.drive(for: .seconds(8))
        #expect(api.successes.count == 30, "handled \(api.successes.count) of 30")
        #expect(Set(api.calls.map(\.caller)) == ["a", "b", "c"])
        let most = api.mostCalls(within: .seconds(1))
        #expect(most <= 5, "\(most) calls within one second; the limit is 5/s")
        #expect(try await host.deadLetters(of: "a-jobs").isEmpty)
        await host.shutdown()
    }

    @Test("max_concurrency holds under autoscaling across two functions, and the scaling events say the dependency capped it")
    func concurrencyUnderAutoscaling() async throws {
        let api = FakeAPI()
        var registry = FunctionRegistry()
        registry.register("SlowCall", SlowCall(api: api, hold: .seconds(1)))
        let functions = ["a", "b"].map { name in
            #"{"name": "slow-\#(name)", "handler": "SlowCall", "trigger": {"queue": "\#(name)-jobs", "batch_size": 1}, "#
                + #""timeout": "30s", "dependencies": ["billing-api"], "#
                + #""scale": {"min_workers": 0, "max_workers": 10, "target_backlog_per_worker": 1, "scale_interval": "1s"}}"#
        }
        let manifest = try dependencyManifest(queues: ["a-jobs", "b-jobs"], functions: functions,
                                              dependencies: #"[{"name": "billing-api", "max_concurrency": 3}]"#)
        let autoscaler = Autoscaler()
        let host = try TestHost(manifest: manifest, registry: registry, scaling: { await autoscaler.run(host: $0) })
        for number in 0..<12 {
            try await host.send(BillingJob(number: number), to: "a-jobs")
            try await host.send(BillingJob(number: number + 100), to: "b-jobs")
        }
        await host.drive(for: .seconds(14))
        #expect(Set(api.successes.map(\.number)).count == 24, "handled \(api.successes.count) of 24")
        #expect(api.mostRunning <= 3, "\(api.mostRunning) calls ran at once; max_concurrency is 3")
        #expect(api.mostRunning == 3, "the limit is used")
        let decisions = autoscaler.recentDecisions()
        #expect(decisions.allSatisfy { $0.to <= 3 }, "\(decisions.map { "\($0.from)→\($0.to)" })")
        #expect(decisions.contains { $0.reason.contains("max_concurrency") }, "\(decisions.map(\.reason))")
        await host.shutdown()
    }
}

@Suite("Dependencies and manifest reloads")
struct DependencyReloadTests {
    @Test("a reload that changes the dependencies is refused and changes nothing")
    func reloadRefused() async throws {
        let api = FakeAPI()
        var registry = FunctionRegistry()
        registry.register("CallsAPI", CallsAPI(api: api))
        let function = #"{"name": "a", "handler": "CallsAPI", "trigger": {"queue": "jobs"}, "dependencies": ["billing-api"]}"#
        let manifest = try dependencyManifest(queues: ["jobs"], functions: [function], dependencies: #"[{"name": "billing-api", "rate": "5/s"}]"#)
        let host = try TestHost(manifest: manifest, registry: registry)
        let changed = try dependencyManifest(queues: ["jobs"], functions: [function], dependencies: #"[{"name": "billing-api", "rate": "50/s"}]"#)
        let error = #expect(throws: FunctionHost.StartError.self) { try host.host.apply(changed) }
        #expect(error?.description.contains("restart the host") == true)
        #expect(host.host.manifest.dependencies.first?.rate == DependencyRate(count: 5, per: .seconds(1)))
        await host.shutdown()
    }
}
