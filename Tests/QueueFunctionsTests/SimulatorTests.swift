import Foundation
import Testing
import QueueFunctions

@Suite("Simulator")
struct SimulatorTests {
    static let burstFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/workloads/burst.json")

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
