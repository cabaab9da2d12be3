import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSimulator

/// `simulate --profiles`: one workload under each platform's scaling and retry rules.
@Suite("Platform profiles: simulate --profiles")
struct ProfileSimulationTests {
    static let burstFile = RepositoryPaths.root.appendingPathComponent("Samples/workloads/burst.json")

    @Test("the burst workload's outage: Azure's immediate retries (visibilityTimeout 0, maxDequeueCount 5) poison messages that native backoff carries through")
    func burstUnderProfiles() async throws {
        let workload = try Workload.load(contentsOf: Self.burstFile)
        let report = try await Simulator.run(workload: workload, profiles: ["native", "aws-lambda-sqs", "azure-storage-queue", "keda"])
        print(report.profileTable())
        #expect(report.runs.map(\.name) == ["native", "aws-lambda-sqs", "azure-storage-queue", "keda"])
        for run in report.runs {
            #expect(run.handled + run.deadLettered == report.messages, "\(run.name)")
        }
        let native = try #require(report.run(named: "native"))
        let azure = try #require(report.run(named: "azure-storage-queue"))
        #expect(native.deadLettered == 0)
        #expect(azure.deadLettered > 0)
        #expect(report.profileTable().contains("retries"))
    }

    @Test("an unknown profile name is refused with a did-you-mean")
    func unknownProfile() async throws {
        let workload = try Workload.parse(Data(#"{"phases": [{"type": "burst", "at": "0s", "count": 1}]}"#.utf8))
        await #expect { try await Simulator.run(workload: workload, profiles: ["azure-storage-queu"]) } throws: { error in
            "\(error)".contains("did you mean 'azure-storage-queue'?")
        }
    }
}
