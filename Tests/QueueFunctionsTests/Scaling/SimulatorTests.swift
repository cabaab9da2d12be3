import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost

@Suite("Simulator")
struct SimulatorTests {
    static let burstFile = RepositoryPaths.root.appendingPathComponent("Samples/workloads/burst.json")

    @Test("the shipped burst workload: autoscaling costs less than the fixed max pool and waits less than the fixed min pool")
    func shippedBurstWorkload() async throws {
        let workload = try Workload.load(contentsOf: Self.burstFile)
        let report = try await Simulator.run(workload: workload)
        print(report.table())
        let autoscaled = try #require(report.run(named: "autoscaled"))
        let fixedMin = try #require(report.run(named: "fixed_min"))
        let fixedMax = try #require(report.run(named: "fixed_max"))
        #expect(autoscaled.workerSeconds < fixedMax.workerSeconds)
        #expect(autoscaled.waitP99 < fixedMin.waitP99)
        for run in report.runs {
            #expect(run.handled + run.deadLettered == report.messages)
        }
        #expect(autoscaled.scalingChanges > 0)
        #expect(autoscaled.peakWorkers <= 16)
    }
}

@Suite("Simulator workloads")
struct SimulatorWorkloadTests {
    @Test("phases become arrivals: bursts, steady rates and ramps")
    func arrivals() throws {
        let workload = try Workload.parse(Data("""
        {"phases": [
          {"type": "burst", "at": "2s", "count": 3},
          {"type": "steady", "from": "0s", "to": "1s", "rate": 4},
          {"type": "ramp", "from": "10s", "to": "20s", "rate_from": 0, "rate_to": 10},
          {"type": "outage", "from": "5s", "to": "6s"}
        ]}
        """.utf8))
        let offsets = workload.arrivalOffsets()
        #expect(workload.messageCount == 3 + 4 + 50)
        #expect(offsets.count == workload.messageCount)
        #expect(Array(offsets.prefix(7)) == [0, 0.25, 0.5, 0.75, 2, 2, 2])
        // A ramp from 0 to 10/s over 10 s sends half its messages in the last 30 % of the time.
        let ramp = offsets.filter { $0 >= 10 }
        #expect(ramp.allSatisfy { $0 < 20 })
        #expect(ramp.filter { $0 >= 17 }.count >= 25)
        #expect(workload.outages == [5...6])
    }

    @Test("seeded durations are reproducible and follow the distribution")
    func durations() {
        let uniform = DurationDistribution.uniform(min: .milliseconds(50), max: .milliseconds(150))
        let draws = (0..<10_000).map { uniform.seconds(seed: 7, index: $0, attempt: 1) }
        #expect(draws.allSatisfy { $0 >= 0.05 && $0 <= 0.15 })
        #expect(abs(draws.reduce(0, +) / Double(draws.count) - 0.1) < 0.005)
        #expect(uniform.seconds(seed: 7, index: 42, attempt: 1) == uniform.seconds(seed: 7, index: 42, attempt: 1))
        let normal = DurationDistribution.normal(mean: .milliseconds(100), standardDeviation: .milliseconds(20), minimum: .zero)
        let normals = (0..<10_000).map { normal.seconds(seed: 1, index: $0, attempt: 1) }
        #expect(abs(normals.reduce(0, +) / Double(normals.count) - 0.1) < 0.002)
    }

    @Test("a bad workload file lists every problem with its JSON path")
    func badWorkload() throws {
        let data = Data("""
        {"sead": 1, "handler": {"duration": "fast"},
         "phases": [{"type": "burst", "count": -1}, {"type": "steady", "from": "10s", "to": "5s", "rate": 5}, {"type": "spike"}]}
        """.utf8)
        let error = try #require(throws: WorkloadError.self) { try Workload.parse(data, source: "bad.json") }
        let text = error.description
        #expect(text.contains("bad.json: $.sead: unknown key; did you mean \"seed\"?"))
        #expect(text.contains("$.handler.duration: expected a duration"))
        #expect(text.contains("$.phases[0].at: missing"))
        #expect(text.contains("$.phases[0].count: count -1 is out of range: use 0…10000000"))
        #expect(text.contains("$.phases[1].to: 5s must be after from (10s)"))
        #expect(text.contains("$.phases[2].type: unknown phase type \"spike\""))
    }

    @Test("a missing file names its path")
    func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/workload.json")
        let error = try #require(throws: WorkloadError.self) { try Workload.load(contentsOf: url) }
        #expect(error.description.hasPrefix("/nonexistent/workload.json: cannot read the file"))
    }

    @Test("the report encodes with stable snake_case keys")
    func reportJSON() throws {
        let run = SimulationReport.Run(
            name: "autoscaled", workers: "0…8", workerSeconds: 1, waitP50: 0.1, waitP95: 0.2, waitP99: 0.3, waitMax: 0.4,
            peakBacklog: 5, peakWorkers: 2, drainTime: 9, handled: 10, deadLettered: 0, scalingChanges: 2, steps: 40
        )
        let report = SimulationReport(workload: "w", messages: 10, function: "f", batchSize: 10, handlerDuration: "fixed 100ms",
                                      runs: [run])
        let json = try report.json()
        for key in ["\"worker_seconds\"", "\"wait_p99\"", "\"peak_backlog\"", "\"drain_time\"", "\"dead_lettered\"",
                    "\"handler_duration\"", "\"batch_size\""] {
            #expect(json.contains(key))
        }
        #expect(try JSONDecoder().decode(SimulationReport.self, from: Data(json.utf8)) == report)
        #expect(report.table().contains("worker-seconds"))
    }
}
