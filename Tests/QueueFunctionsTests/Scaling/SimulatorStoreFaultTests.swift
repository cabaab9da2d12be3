import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSimulator
import QueueFunctionsHost

@Suite("Simulator store faults")
struct SimulatorStoreFaultTests {
    private let workloadJSON = """
    {
      "name": "faulty",
      "seed": 5,
      "handler": { "duration": "20ms" },
      "function": { "batch_size": 10, "min_workers": 1, "max_workers": 4 },
      "phases": [{ "type": "steady", "from": "0s", "to": "30s", "rate": 20 }],
      "store_faults": { "failure_rate": 0.05, "lease_lapse_rate": 0.01, "outages": [{ "at": "10s", "for": "10s" }] }
    }
    """

    @Test("store_faults parses: failure rate, lapse rate and outage windows")
    func parses() throws {
        let workload = try Workload.parse(Data(workloadJSON.utf8))
        #expect(workload.storeFaults == Workload.StoreFaults(
            failureRate: 0.05, leaseLapseRate: 0.01, outages: [.init(at: .seconds(10), duration: .seconds(10))]
        ))
    }

    @Test("bad store_faults are reported with their paths and allowed values")
    func badValues() {
        let text = #"{"phases": [{"type": "burst", "at": "0s", "count": 1}], "store_faults": {"failure_rate": 1.5, "outage": [], "outages": [{"at": "1s"}]}}"#
        #expect {
            _ = try Workload.parse(Data(text.utf8))
        } throws: { error in
            guard let error = error as? WorkloadError else { return false }
            let problems = error.problems.joined(separator: "\n")
            return problems.contains("$.store_faults.failure_rate: expected a share from 0 to 1")
                && problems.contains("$.store_faults.outage: unknown key; did you mean \"outages\"?")
                && problems.contains("$.store_faults.outages[0].for: missing")
        }
    }

    @Test("a workload replayed with store faults still handles every message, and the report counts the faults")
    func replaysWithFaults() async throws {
        let workload = try Workload.parse(Data(workloadJSON.utf8))
        let report = try await Simulator.run(workload: workload)
        for run in report.runs {
            #expect(run.handled + run.deadLettered == report.messages)
            #expect((run.storeFailures ?? 0) > 0)
            #expect((run.storeCalls ?? 0) > (run.storeFailures ?? 0))
        }
        // The outage delays the messages that arrive in it by up to its length.
        #expect((report.run(named: "autoscaled")?.waitMax ?? 0) >= 5)
        #expect(report.table().contains("store failures"))
        #expect(try report.json().contains("\"store_failures\""))
    }

    @Test("simulate flags add store faults")
    func flags() async throws {
        let output = CapturedOutput()
        let status = await QueueFunctionsCommand.run(
            arguments: ["simulate", "--steady", "10@0s-20s", "--handler-duration", "10ms", "--store-failure-rate", "0.1",
                        "--store-outage", "5s-8s", "--json"],
            registry: FunctionRegistry(), output: output.output
        )
        #expect(status == CommandExitCode.success)
        #expect(output.stdout.contains("\"store_failures\""))
        let bad = CapturedOutput()
        let refused = await QueueFunctionsCommand.run(
            arguments: ["simulate", "--steady", "10@0s-20s", "--store-failure-rate", "2"], registry: FunctionRegistry(), output: bad.output
        )
        #expect(refused == CommandExitCode.usage)
        #expect(bad.stderr.contains("--store-failure-rate '2' is not a share from 0 to 1"))
    }
}
