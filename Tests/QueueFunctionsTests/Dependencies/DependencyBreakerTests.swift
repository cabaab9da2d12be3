import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// A 10 s outage of a dependency, with and without the circuit breaker, on a manual clock.
@Suite("Dependency circuit breaker in the dispatcher")
struct DependencyBreakerTests {
    struct Outcome {
        var callsDuringOutage: Int
        var handled: Int
        var deadLettered: Int
        var backlog: Int
        var events: [HostEvent]
        /// `status`'s problem lines of the function during the outage.
        var problemsDuringOutage: [String]
    }

    /// 20 messages, an API down from the start for 10 s, then up; `breaker` on or off.
    func runOutage(breaker: Bool) async throws -> Outcome {
        let api = FakeAPI()
        api.isDown = true
        var registry = FunctionRegistry()
        registry.register("CallsAPI", CallsAPI(api: api))
        let function = #"{"name": "invoice", "handler": "CallsAPI", "trigger": {"queue": "jobs", "batch_size": 1}, "#
            + #""dependencies": ["billing-api"], "retry": {"initial_delay": "200ms", "multiplier": 1, "jitter": 0}, "#
            + #""scale": {"min_workers": 2, "max_workers": 2}}"#
        let manifest = try dependencyManifest(
            queues: ["jobs"], functions: [function],
            dependencies: #"[{"name": "billing-api", "breaker": {"enabled": \#(breaker), "open_for": "2s"}}]"#, maxReceiveCount: 5
        )
        let host = try TestHost(manifest: manifest, registry: registry)
        for number in 0..<20 { try await host.send(BillingJob(number: number), to: "jobs") }
        var callsDuringOutage = 0
        await host.drive(for: .seconds(5))
        let problems = host.host.runner(named: "invoice")?.problems ?? []
        await host.drive(for: .seconds(5))
        callsDuringOutage = api.calls.count
        api.isDown = false
        await host.drive(for: .seconds(5))
        let stats = try await host.stats("jobs")
        let outcome = Outcome(
            callsDuringOutage: callsDuringOutage, handled: Set(api.successes.map(\.number)).count,
            deadLettered: try await host.deadLetters(of: "jobs").count, backlog: stats.visible + stats.inFlight + stats.delayed,
            events: host.host.events.recent(kind: .dependency), problemsDuringOutage: problems
        )
        await host.shutdown()
        return outcome
    }

    @Test("with the breaker, a 10 s outage burns no receives beyond the probes, dead-letters nothing, and the backlog drains")
    func withBreaker() async throws {
        let outcome = try await runOutage(breaker: true)
        // Two workers each hit the outage once; then one probe every 2 s (at 2, 4, 6, 8, 10 s).
        #expect(outcome.callsDuringOutage <= 2 + 5, "\(outcome.callsDuringOutage) calls during the outage")
        #expect(outcome.deadLettered == 0)
        #expect(outcome.handled == 20 && outcome.backlog == 0, "handled \(outcome.handled), backlog \(outcome.backlog)")
        let messages = outcome.events.map(\.message)
        #expect(messages.contains { $0.contains("billing-api circuit breaker opened") && $0.contains("next probe at") }, "\(messages)")
        #expect(messages.contains { $0.contains("half-open") })
        #expect(messages.last?.contains("closed: the probe succeeded") == true, "\(messages)")
        let problem = try #require(outcome.problemsDuringOutage.first)
        #expect(problem.hasPrefix("billing-api: open since 00:00:00, next probe "), "\(problem)")
    }

    @Test("without the breaker, the same outage burns receives and dead-letters messages")
    func withoutBreaker() async throws {
        let outcome = try await runOutage(breaker: false)
        #expect(outcome.callsDuringOutage > 50, "\(outcome.callsDuringOutage) calls during the outage")
        #expect(outcome.deadLettered > 0, "nothing was dead-lettered without the breaker")
        #expect(outcome.events.isEmpty)
        #expect(outcome.problemsDuringOutage.isEmpty)
    }

    @Test("the status of an open breaker reads like the dashboard shows it")
    func statusText() {
        var status = DependencyStatus(name: "billing-api", state: .open, inUse: 0, admitted: 3, waits: 9)
        status.openSince = Date(timeIntervalSince1970: 1_767_225_600 + 12 * 3600 + 60)
        status.nextProbe = Date(timeIntervalSince1970: 1_767_225_600 + 12 * 3600 + 120)
        #expect(status.description == "billing-api: open since 12:01:00, next probe 12:02:00")
    }
}

/// A batch handler reports the outage per item, as an outcome.
@Suite("Dependency outage as an item outcome")
struct DependencyOutcomeTests {
    struct SettlesUnavailable: QueueFunction {
        typealias Message = BillingJob
        let api: FakeAPI

        func handle(_ batch: MessageBatch<BillingJob>, context: FunctionContext) async throws {
            for item in batch {
                do {
                    try api.call(item.message.number, caller: context.functionName, at: context.clock.now())
                } catch let outage as DependencyUnavailable {
                    batch.settle(item, .dependencyUnavailable(outage))
                }
            }
        }
    }

    @Test("items settled as dependencyUnavailable open the breaker, go back uncounted, and nothing is dead-lettered")
    func outcomeOpensBreaker() async throws {
        let api = FakeAPI()
        api.isDown = true
        var registry = FunctionRegistry()
        registry.register("SettlesUnavailable", SettlesUnavailable(api: api))
        let function = #"{"name": "batch", "handler": "SettlesUnavailable", "trigger": {"queue": "jobs", "batch_size": 5}, "#
            + #""dependencies": ["billing-api"], "scale": {"min_workers": 1, "max_workers": 1}}"#
        let manifest = try dependencyManifest(queues: ["jobs"], functions: [function],
                                              dependencies: #"[{"name": "billing-api", "breaker": {"open_for": "2s"}}]"#, maxReceiveCount: 2)
        let host = try TestHost(manifest: manifest, registry: registry)
        for number in 0..<10 { try await host.send(BillingJob(number: number), to: "jobs") }
        await host.drive(for: .seconds(10))
        #expect(api.calls.count <= 5 + 5, "\(api.calls.count) calls during the outage")
        #expect(host.host.dependencies.first?.state != .closed)
        api.isDown = false
        await host.drive(for: .seconds(5))
        #expect(Set(api.successes.map(\.number)).count == 10)
        #expect(try await host.deadLetters(of: "jobs").isEmpty)
        await host.shutdown()
    }
}
