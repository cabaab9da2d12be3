import Foundation
import Testing
import QueueFunctions
@testable import QueueFunctionsSimulator

/// The simulator models a dependency: its limits gate the dispatcher, its outages open the breaker.
@Suite("Simulator: dependencies")
struct DependencySimulationTests {
    @Test("burst.json: with the breaker nothing is dead-lettered and no retry is burned; the fixed pool without it dead-letters")
    func burstWithAndWithoutBreaker() async throws {
        let workload = try Workload.load(contentsOf: RepositoryPaths.root.appendingPathComponent("Samples/workloads/burst.json"))
        #expect(workload.dependency?.breaker.enabled == true)
        let report = try await Simulator.run(workload: workload)
        #expect(report.runs.map(\.name) == ["autoscaled", "fixed_min", "fixed_max", SimulationReport.noBreakerRun])
        for name in ["autoscaled", "fixed_min", "fixed_max"] {
            let run = try #require(report.run(named: name))
            #expect(run.deadLettered == 0 && run.retried == 0 && run.handled == report.messages, "\(name): \(run)")
        }
        let without = try #require(report.run(named: SimulationReport.noBreakerRun))
        #expect(without.deadLettered > 0 && without.retried > 0, "\(without)")
        #expect(report.table().contains("no breaker") && report.table().contains("retries burned"))
    }

    @Test("a rate-limited dependency paces the work: the drain takes at least messages ÷ rate")
    func rateLimit() async throws {
        let workload = try Workload.parse(Data("""
            {"phases": [{"type": "burst", "at": "0s", "count": 400}], "handler": {"duration": "10ms"},
             "function": {"batch_size": 10, "min_workers": 4, "max_workers": 4},
             "dependency": {"rate": "100/s", "max_concurrency": 20}}
            """.utf8))
        let report = try await Simulator.run(workload: workload)
        let fixed = try #require(report.run(named: "fixed_max"))
        #expect(fixed.handled == 400)
        #expect(fixed.drainTime >= 3.9, "drained 400 messages at 100/s in \(fixed.drainTime) s")
    }

    @Test("a wrong dependency section is reported with its path")
    func wrongSection() {
        #expect(throws: WorkloadError.self) {
            try Workload.parse(Data(#"{"phases": [{"type": "burst", "at": "0s", "count": 1}], "dependency": {"rate": "fast", "brake": true}}"#.utf8))
        }
        do {
            _ = try Workload.parse(Data(#"{"phases": [{"type": "burst", "at": "0s", "count": 1}], "dependency": {"rate": "fast", "brake": true}}"#.utf8))
        } catch {
            #expect("\(error)".contains("$.dependency.rate"))
            #expect("\(error)".contains(#"did you mean "breaker""#))
        }
    }
}
