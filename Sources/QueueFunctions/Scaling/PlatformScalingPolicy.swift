import Foundation

/// The scaling rules of a platform (``ScalingRules`` other than `native`) as a pure
/// state machine, driven by ``ScalingPolicy``. Each rule cites platforms.md §4, §6.2, §9.
struct PlatformScalingPolicy: Sendable {
    let rules: ScalingRules
    let function: String
    let config: ScaleConfig
    /// When the previous decision was made.
    private var lastDecision: Date?
    /// Lambda: concurrency that may still be added, accrued at 300 per minute.
    private var allowance = 0.0
    /// KEDA: when the HPA last synced.
    private var lastSync: Date?
    /// KEDA: when the metric was last above the activation threshold.
    private var lastActive: Date?
    /// KEDA: desires within the scale-down stabilization window.
    private var desires: [(time: Date, workers: Int)] = []

    init(rules: ScalingRules, function: String, config: ScaleConfig) {
        self.rules = rules
        self.function = function
        self.config = config
    }

    private var target: Int { max(1, config.targetBacklogPerWorker) }
    private var minWorkers: Int { max(0, config.minWorkers) }
    private var maxWorkers: Int {
        let cap = rules == .awsLambda ? min(config.maxWorkers, LambdaSQSRules.maximumConcurrency) : config.maxWorkers
        return max(minWorkers, cap)
    }

    private func wanted(_ backlog: Int) -> Int {
        min(maxWorkers, max(minWorkers, backlog <= 0 ? 0 : (backlog + target - 1) / target))
    }

    /// The decision for one observation.
    mutating func observe(_ observation: ScalingPolicy.Observation) -> ScalingDecision {
        defer { lastDecision = observation.time }
        switch rules.kind {
        case .awsLambda: return lambda(observation)
        case .azureTargetBased: return azure(observation)
        case .keda, .native: return keda(observation)
        }
    }

    /// The decision when messages become visible while there are no workers: the same
    /// rules, applied at once (KEDA's activation would wait for its next poll, at most
    /// `pollingInterval` 30 s later; here it is immediate).
    mutating func messagesVisible(_ observation: ScalingPolicy.Observation) -> ScalingDecision {
        observe(observation)
    }

    // MARK: Lambda

    private mutating func lambda(_ o: ScalingPolicy.Observation) -> ScalingDecision {
        let desired = wanted(o.backlog)
        let elapsed = lastDecision.map { max(0, o.time.timeIntervalSince($0)) } ?? 0
        let perMinute = Double(LambdaSQSRules.concurrencyAddedPerMinute)
        allowance = min(perMinute, allowance + perMinute * elapsed / 60)
        let current = o.workers
        if desired > current {
            let initial = LambdaSQSRules.initialConcurrency
            let ceiling = max(initial, current + Int(allowance))
            let to = min(desired, ceiling, maxWorkers)
            allowance = max(0, allowance - Double(max(0, to - max(current, min(initial, to)))))
            return decision(o, to: to, desired: desired,
                            "backlog \(o.backlog) wants \(desired) concurrent batches of \(target); Lambda starts at \(initial) "
                            + "and adds up to \(LambdaSQSRules.concurrencyAddedPerMinute) per minute: \(current) → \(to)")
        }
        if desired < current {
            return decision(o, to: desired, desired: desired,
                            "backlog \(o.backlog) needs \(desired) concurrent batches: Lambda's concurrency follows its invocations, \(current) → \(desired)")
        }
        return decision(o, to: current, desired: desired, "backlog \(o.backlog) fits \(current) concurrent batches")
    }

    // MARK: Azure

    private mutating func azure(_ o: ScalingPolicy.Observation) -> ScalingDecision {
        let desired = wanted(o.backlog)
        let current = o.workers
        let step = AzureStorageQueueRules.maximumScaleOutPerDecision
        if desired > current {
            let to = min(desired, current + step)
            return decision(o, to: to, desired: desired,
                            "queue length \(o.backlog) / \(target) per instance wants \(desired); target-based scaling adds at most \(step) per decision: \(current) → \(to)")
        }
        if desired < current {
            return decision(o, to: desired, desired: desired,
                            "queue length \(o.backlog) / \(target) per instance wants \(desired): scale-in vote \(current) → \(desired)")
        }
        return decision(o, to: current, desired: desired, "queue length \(o.backlog) fits \(current) instances × \(target)")
    }

    // MARK: KEDA

    private mutating func keda(_ o: ScalingPolicy.Observation) -> ScalingDecision {
        let current = o.workers
        let desired = wanted(o.backlog)
        if o.backlog > 0 { lastActive = o.time }
        if current == 0 {
            guard o.backlog > 0 else { return decision(o, to: 0, desired: 0, "queue empty: inactive") }
            lastSync = o.time
            let to = max(1, minWorkers)
            remember(to, at: o.time)
            return decision(o, to: to, desired: desired, "queue length \(o.backlog) > activation 0: KEDA activates 0 → \(to)")
        }
        if o.backlog == 0, minWorkers == 0, let lastActive,
           o.time.timeIntervalSince(lastActive) >= KEDARules.cooldownPeriod.timeInterval {
            return decision(o, to: 0, desired: 0,
                            "inactive for cooldownPeriod \(DurationText.format(KEDARules.cooldownPeriod)): KEDA scales \(current) → 0")
        }
        if let lastSync, o.time.timeIntervalSince(lastSync) < KEDARules.syncPeriod.timeInterval {
            return decision(o, to: current, desired: desired, "between HPA syncs (every \(DurationText.format(KEDARules.syncPeriod))): holding \(current)")
        }
        lastSync = o.time
        let ratio = Double(o.backlog) / Double(current * target)
        let raw = abs(ratio - 1) <= KEDARules.tolerance ? current : max(1, wanted(o.backlog))
        remember(raw, at: o.time)
        if raw > current {
            let limit = max(current * 2, current + KEDARules.scaleUpPods)
            let to = min(raw, limit, maxWorkers)
            return decision(o, to: to, desired: raw,
                            "HPA: ceil(\(o.backlog) / \(target)) = \(raw); up by at most max(+100 %, +\(KEDARules.scaleUpPods)): \(current) → \(to)")
        }
        let stabilized = max(1, desires.map(\.workers).max() ?? raw)
        if stabilized < current {
            return decision(o, to: stabilized, desired: raw,
                            "HPA: the desire stayed ≤ \(stabilized) for \(DurationText.format(KEDARules.scaleDownStabilization)): \(current) → \(stabilized)")
        }
        return decision(o, to: current, desired: raw,
                        "HPA: ceil(\(o.backlog) / \(target)) = \(raw), highest desire of the stabilization window \(stabilized): holding \(current)")
    }

    private mutating func remember(_ workers: Int, at time: Date) {
        let start = time.addingTimeInterval(-KEDARules.scaleDownStabilization.timeInterval)
        desires.removeAll { $0.time <= start }
        desires.append((time, workers))
    }

    private func decision(_ o: ScalingPolicy.Observation, to: Int, desired: Int? = nil, _ reason: String) -> ScalingDecision {
        ScalingDecision(function: function, time: o.time, from: o.workers, to: to, desired: desired ?? wanted(o.backlog),
                        reason: "\(rules): " + reason)
    }
}
