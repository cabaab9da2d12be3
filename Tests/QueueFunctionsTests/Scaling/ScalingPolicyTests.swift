import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost

@Suite("Scaling policy")
struct ScalingPolicyTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)
    static let config = ScaleConfig(minWorkers: 0, maxWorkers: 8, targetBacklogPerWorker: 20, scaleInterval: .seconds(1),
                                    maxScaleUpStep: 4, scaleDownStabilization: .seconds(30))

    func at(_ seconds: Double, visible: Int, inFlight: Int = 0, workers: Int, invocations: Int = 0, failed: Int = 0)
        -> ScalingPolicy.Observation {
        .init(time: Self.start.addingTimeInterval(seconds), visible: visible, inFlight: inFlight, workers: workers,
              invocations: invocations, failedInvocations: failed)
    }

    @Test("desired = ceil((visible + in flight) / target), clamped to [min, max]")
    func desiredWorkers() {
        let policy = ScalingPolicy(function: "f", config: ScaleConfig(minWorkers: 2, maxWorkers: 8, targetBacklogPerWorker: 20))
        #expect(policy.desiredWorkers(backlog: 0) == 2)
        #expect(policy.desiredWorkers(backlog: 41) == 3)
        #expect(policy.desiredWorkers(backlog: 97) == 5)
        #expect(policy.desiredWorkers(backlog: 10_000) == 8)
    }

    @Test("a scale-up says why, with the numbers, and respects the step limit")
    func stepLimitedScaleUp() {
        var policy = ScalingPolicy(function: "resize", config: Self.config)
        let decision = policy.observe(at(0, visible: 90, inFlight: 7, workers: 4))
        #expect(decision.from == 4 && decision.to == 5 && decision.desired == 5 && decision.kind == .scaleUp)
        #expect(decision.reason == "backlog 97 (visible 90 + in flight 7) > 4 workers × 20: wants ceil(97 / 20) = 5 → scaling 4 → 5")
        let big = policy.observe(at(1, visible: 1_000, workers: 1))
        #expect(big.to == 5)
        #expect(big.reason.contains("step limit +4: 1 → 5"))
        #expect(big.reason.contains("capped at max_workers 8"))
    }

    @Test("one visible message starts a worker at once when there are none")
    func scaleFromZero() {
        var policy = ScalingPolicy(function: "mail", config: Self.config)
        let decision = policy.messagesVisible(at(0.3, visible: 1, workers: 0))
        #expect(decision.to == 1)
        #expect(decision.reason.contains("scale from zero"))
        let burst = ScalingPolicy(function: "mail", config: Self.config)
        var copy = burst
        #expect(copy.messagesVisible(at(0, visible: 500, workers: 0)).to == 4)
    }

    @Test("scale-down waits until the desire has stayed lower for the whole window, using the highest desire in it")
    func stabilization() {
        var policy = ScalingPolicy(function: "f", config: Self.config)
        #expect(policy.observe(at(0, visible: 160, workers: 8)).to == 8)
        #expect(policy.observe(at(10, visible: 60, workers: 8)).to == 8)   // wants 3
        #expect(policy.observe(at(20, visible: 0, workers: 8)).to == 8)    // wants 0
        let held = policy.observe(at(29, visible: 0, workers: 8))
        #expect(held.kind == .hold)
        #expect(held.reason.contains("stabilization"))
        // At 30 s the 8 from t=0 leaves the window; the 3 from t=10 is still in it.
        #expect(policy.observe(at(30, visible: 0, workers: 8)).to == 3)
        #expect(policy.observe(at(39, visible: 0, workers: 3)).to == 3)
        let down = policy.observe(at(40, visible: 0, workers: 3))
        #expect(down.to == 0 && down.kind == .scaleDown)
        #expect(down.reason.contains("stayed ≤ 0 for 30s"))
    }

    @Test("no scale-down before the window has passed since the first observation")
    func noEarlyScaleDown() {
        var policy = ScalingPolicy(function: "f", config: Self.config)
        #expect(policy.observe(at(0, visible: 0, workers: 6)).to == 6)
        #expect(policy.observe(at(29, visible: 0, workers: 6)).to == 6)
        #expect(policy.observe(at(30, visible: 0, workers: 6)).to == 0)
    }

    @Test("mostly failing invocations hold the count instead of scaling up")
    func failureHold() {
        var policy = ScalingPolicy(function: "charge", config: Self.config)
        let held = policy.observe(at(0, visible: 200, workers: 2, invocations: 10, failed: 7))
        #expect(held.to == 2 && held.heldForFailures)
        #expect(held.reason.hasPrefix("7 of 10 invocations failed in the last 10s (≥ 50%): holding at 2 instead of scaling up to 8"))
        // A quiet interval (retries backing off) does not forget the failures.
        #expect(policy.observe(at(1, visible: 200, workers: 2)).heldForFailures)
        // Too few invocations to judge: scale up.
        var fresh = ScalingPolicy(function: "charge", config: Self.config)
        #expect(fresh.observe(at(0, visible: 200, workers: 2, invocations: 2, failed: 2)).to == 6)
        // Once the failures age out of the window, scaling resumes.
        #expect(policy.observe(at(11, visible: 200, workers: 2, invocations: 10, failed: 0)).to == 6)
    }

    @Test("min_workers is restored at once")
    func belowMinimum() {
        var policy = ScalingPolicy(function: "f", config: ScaleConfig(minWorkers: 3, maxWorkers: 8))
        let decision = policy.observe(at(0, visible: 0, workers: 0))
        #expect(decision.to == 3)
        #expect(decision.reason.contains("below min_workers 3"))
    }

    @Test("the host cap is shared max-min fairly")
    func fairShares() {
        typealias Demand = WorkerAllocation.Demand
        #expect(WorkerAllocation.share([Demand(wanted: 8, backlog: 500), Demand(wanted: 8, backlog: 400)], cap: 8) == [4, 4])
        #expect(WorkerAllocation.share([Demand(wanted: 8, backlog: 500), Demand(wanted: 2, backlog: 30)], cap: 8) == [6, 2])
        #expect(WorkerAllocation.share([Demand(wanted: 3, backlog: 50), Demand(wanted: 3, backlog: 50)], cap: 8) == [3, 3])
        #expect(WorkerAllocation.share(
            [Demand(wanted: 8, backlog: 900), Demand(wanted: 1, backlog: 1), Demand(wanted: 8, backlog: 800)], cap: 8) == [4, 1, 3])
        // More functions with backlog than workers: the largest backlogs get one each.
        #expect(WorkerAllocation.share(
            [Demand(wanted: 2, backlog: 5), Demand(wanted: 2, backlog: 50), Demand(wanted: 2, backlog: 20)], cap: 2) == [0, 1, 1])
        // Minimums come first.
        #expect(WorkerAllocation.share([Demand(wanted: 8, minimum: 2, backlog: 0), Demand(wanted: 8, backlog: 900)], cap: 4) == [2, 2])
    }
}
