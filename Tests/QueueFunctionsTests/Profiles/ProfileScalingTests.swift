import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsSimulator

/// The platforms' scaling rules as ``ScalingPolicy`` variants (platforms.md §4, §6.2, §9).
@Suite("Platform profiles: scaling")
struct ProfileScalingTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    static func policy(_ rules: ScalingRules, max: Int = 1_000, target: Int = 10) -> ScalingPolicy {
        var config = ScaleConfig(minWorkers: 0, maxWorkers: max, targetBacklogPerWorker: target)
        config.rules = rules
        return ScalingPolicy(function: "f", config: config)
    }

    static func at(_ seconds: Double, visible: Int, workers: Int) -> ScalingPolicy.Observation {
        .init(time: start.addingTimeInterval(seconds), visible: visible, inFlight: 0, workers: workers)
    }

    @Test("Lambda: polling starts with 5 concurrent batches (services-sqs-scaling)")
    func lambdaStartsWithFive() {
        var policy = Self.policy(.awsLambda)
        #expect(policy.messagesVisible(Self.at(0, visible: 100_000, workers: 0)).to == 5)
        var small = Self.policy(.awsLambda)
        #expect(small.messagesVisible(Self.at(0, visible: 20, workers: 0)).to == 2)
    }

    @Test("Lambda: then adds up to 300 concurrent batches per minute while messages remain (services-sqs-scaling)")
    func lambdaAddsThreeHundredPerMinute() {
        var policy = Self.policy(.awsLambda)
        var workers = policy.messagesVisible(Self.at(0, visible: 100_000, workers: 0)).to
        for second in 1...60 {
            workers = policy.observe(Self.at(Double(second), visible: 100_000, workers: workers)).to
        }
        #expect(workers == 305)
        workers = policy.observe(Self.at(61, visible: 100_000, workers: workers)).to
        #expect(workers == 310)
    }

    @Test("Lambda: at most 1,000 concurrent batches per event source mapping (services-sqs-scaling)")
    func lambdaCappedAtThousand() {
        var policy = Self.policy(.awsLambda, max: 5_000)
        var workers = 0
        for second in 0...400 {
            workers = policy.observe(Self.at(Double(second), visible: 1_000_000, workers: workers)).to
        }
        #expect(workers == 1_000)
    }

    @Test("Azure target-based scaling adds at most 4 instances per decision (functions-target-based-scaling)")
    func azureFourPerDecision() {
        var policy = Self.policy(.azureTargetBased, max: 200, target: 24)
        let first = policy.observe(Self.at(0, visible: 2_400, workers: 0))
        #expect(first.to == 4)
        #expect(first.desired == 100)
        #expect(policy.observe(Self.at(1, visible: 2_400, workers: 4)).to == 8)
    }

    @Test("Azure target-based scaling: desired instances = ceil(queue length / (batchSize + newBatchThreshold)) (QueueTargetScaler.cs)")
    func azureDesiredFormula() {
        var policy = Self.policy(.azureTargetBased, max: 200, target: 24)
        #expect(policy.observe(Self.at(0, visible: 49, workers: 2)).to == 3)
        #expect(policy.observe(Self.at(1, visible: 24, workers: 3)).to == 1)
    }

    @Test("KEDA: activation 0 → 1 when the queue length exceeds the activation threshold 0 (scaledobject-spec)")
    func kedaActivation() {
        var policy = Self.policy(.keda, max: 100, target: 5)
        #expect(policy.observe(Self.at(0, visible: 500, workers: 0)).to == 1)
    }

    @Test("KEDA/HPA: up by at most max(+100 %, +4 pods) per 15 s sync (HPAScalingRules)")
    func kedaScaleUpRate() {
        var policy = Self.policy(.keda, max: 100, target: 5)
        var workers = policy.observe(Self.at(0, visible: 500, workers: 0)).to
        #expect(policy.observe(Self.at(5, visible: 500, workers: workers)).to == 1)  // between syncs
        workers = policy.observe(Self.at(15, visible: 500, workers: workers)).to
        #expect(workers == 5)  // +4
        workers = policy.observe(Self.at(30, visible: 500, workers: workers)).to
        #expect(workers == 10)  // +100 %
    }

    @Test("KEDA/HPA: scale-down waits out the 300 s stabilization window (HPAScalingRules)")
    func kedaScaleDownStabilization() {
        var policy = Self.policy(.keda, max: 100, target: 5)
        var workers = 0
        for second in stride(from: 0, through: 120, by: 15) {
            workers = policy.observe(Self.at(Double(second), visible: 500, workers: workers)).to
        }
        let peak = workers
        #expect(peak > 10)
        workers = policy.observe(Self.at(135, visible: 10, workers: workers)).to
        #expect(workers == peak)
        for second in stride(from: 150, through: 405, by: 15) {
            workers = policy.observe(Self.at(Double(second), visible: 10, workers: workers)).to
        }
        #expect(workers == peak)
        workers = policy.observe(Self.at(435, visible: 10, workers: workers)).to
        #expect(workers == 2)
    }

    @Test("KEDA: 1 → 0 only after cooldownPeriod 300 s without activity (scaledobject-spec)")
    func kedaCooldown() {
        var policy = Self.policy(.keda, max: 100, target: 5)
        _ = policy.observe(Self.at(0, visible: 3, workers: 0))
        #expect(policy.observe(Self.at(299, visible: 0, workers: 1)).to == 1)
        #expect(policy.observe(Self.at(300, visible: 0, workers: 1)).to == 0)
    }
}

/// The autoscaler follows each function's profile (the manifest sets `scale.rules`).
@Suite("Platform profiles: autoscaler")
struct ProfileAutoscalerTests {
    @Test("under aws-lambda-sqs the autoscaler starts 5 concurrent batches at once where native starts max_scale_up_step 4 (services-sqs-scaling)")
    func lambdaProfileDrivesTheAutoscaler() async throws {
        for (profile, expected) in [("aws-lambda-sqs", 5), ("native", 4)] {
            let json = """
            {"queues": [{"name": "resize"}],
             "functions": [{"name": "resize", "handler": "sleeper", "trigger": {"queue": "resize"}, "profile": "\(profile)",
                            "scale": {"max_workers": 50}}]}
            """
            let manifest = try loadManifest(json).manifest
            let autoscaler = Autoscaler()
            try await VirtualHost.run(manifest: manifest, registry: ScalingFixture.registry(), autoscaler: autoscaler) { virtual in
                try await virtual.host.queues.send(bodies: ScalingFixture.bodies(1_000), to: "resize")
                await virtual.settle()
                #expect(virtual.workers("resize") == expected, "\(profile)")
            }
        }
    }
}
