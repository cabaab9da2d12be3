import Foundation

/// The autoscaler's rules for one function, as a pure state machine: feed it what
/// was observed (time included) and it answers with a ``ScalingDecision``.
///
/// - Desired workers are `ceil((visible + in flight) / target_backlog_per_worker)`,
///   clamped to `[min_workers, max_workers]` (Azure target-based scaling, KEDA's
///   `queueLength` with `scaleOnInFlight`).
/// - From zero, one visible message starts workers at once (KEDA's activation phase).
/// - Up by at most `max_scale_up_step` per decision (Azure: 4 at a time).
/// - Down only to the highest desire seen within `scale_down_stabilization`, so the
///   count falls once the desire has stayed lower for the whole window (HPA's
///   scale-down stabilization), and never before the window has passed since the
///   policy's first observation.
/// - No scale-up while most recent invocations fail (within ``failureWindow``, at
///   least ``failureMinimumInvocations`` invocations, of which at least
///   ``failureThreshold`` failed): more workers would only hammer a failing dependency.
///   The window spans several intervals because retries back off: failures arrive in
///   bursts with quiet intervals between them.
///
/// ```swift
/// var policy = ScalingPolicy(function: "resize", config: ScaleConfig(maxWorkers: 8, targetBacklogPerWorker: 10))
/// let decision = policy.observe(.init(time: .now, visible: 95, inFlight: 0, workers: 0))
/// // decision.to == 4: 95 messages want 8 workers, the step limit allows 4 now.
/// ```
public struct ScalingPolicy: Sendable {
    /// What the autoscaler saw for the function at one moment.
    public struct Observation: Sendable, Equatable {
        /// When it was observed.
        public var time: Date
        /// Messages ready to be received.
        public var visible: Int
        /// Messages leased to workers.
        public var inFlight: Int
        /// Active workers (not retiring).
        public var workers: Int
        /// Invocations started since the previous observation.
        public var invocations: Int
        /// Invocations that failed as a whole since the previous observation.
        public var failedInvocations: Int

        /// Creates an observation.
        public init(time: Date, visible: Int, inFlight: Int, workers: Int, invocations: Int = 0, failedInvocations: Int = 0) {
            self.time = time
            self.visible = visible
            self.inFlight = inFlight
            self.workers = workers
            self.invocations = invocations
            self.failedInvocations = failedInvocations
        }

        /// Visible plus in-flight messages.
        public var backlog: Int { visible + inFlight }
    }

    /// Where the policy stands.
    public enum State: Sendable, Equatable {
        /// Nothing observed yet.
        case fresh
        /// Observing since `since`.
        case observing(since: Date)
        /// Observing, and holding scale-ups because invocations fail (since `since`).
        case holdingForFailures(since: Date, observingSince: Date)
    }

    /// The function's name, copied into every decision.
    public let function: String
    /// The function's scale settings.
    public let config: ScaleConfig
    /// The fraction of failed invocations at which scale-ups stop (default 0.5).
    public let failureThreshold: Double
    /// The fewest invocations within ``failureWindow`` for the failure rule to apply (default 4).
    public let failureMinimumInvocations: Int
    /// How far back the failure rule looks (default 10 scale intervals).
    public let failureWindow: Duration
    /// Where the policy stands.
    public private(set) var state: State = .fresh
    private var desires: [(time: Date, workers: Int)] = []
    private var outcomes: [(time: Date, invocations: Int, failed: Int)] = []
    /// A platform's rules, when `config.rules` is not `native`.
    private var platform: PlatformScalingPolicy?

    /// Creates a policy for the function `function` with `config`.
    public init(
        function: String, config: ScaleConfig, failureThreshold: Double = 0.5, failureMinimumInvocations: Int = 4,
        failureWindow: Duration? = nil
    ) {
        self.function = function
        self.config = config
        self.failureThreshold = failureThreshold
        self.failureMinimumInvocations = max(1, failureMinimumInvocations)
        self.failureWindow = failureWindow ?? max(config.scaleInterval, .milliseconds(100)) * 10
        if config.rules != .native {
            platform = PlatformScalingPolicy(rules: config.rules, function: function, config: config)
        }
    }

    /// The fewest workers, at least 0.
    public var minWorkers: Int { max(0, config.minWorkers) }
    /// The most workers, at least ``minWorkers``.
    public var maxWorkers: Int { max(minWorkers, config.maxWorkers) }
    private var target: Int { max(1, config.targetBacklogPerWorker) }
    private var step: Int { max(1, config.maxScaleUpStep) }

    /// What the backlog alone asks for, clamped to `[min, max]`.
    public func desiredWorkers(backlog: Int) -> Int {
        let raw = backlog <= 0 ? 0 : (backlog + target - 1) / target
        return min(maxWorkers, max(minWorkers, raw))
    }

    /// The periodic decision, every `scale_interval`.
    public mutating func observe(_ observation: Observation) -> ScalingDecision {
        if var platform {
            defer { self.platform = platform }
            return platform.observe(observation)
        }
        let now = observation.time
        let observingSince = startObserving(at: now)
        let desired = desiredWorkers(backlog: observation.backlog)
        remember(desired, at: now)
        let current = observation.workers
        let (invocations, failed) = rememberOutcomes(observation)
        let failing = invocations >= failureMinimumInvocations && Double(failed) >= failureThreshold * Double(invocations)
        let backlog = describeBacklog(observation)
        let wants = describeDesire(observation.backlog, desired)

        if current < minWorkers {
            return decide(observation, to: minWorkers, desired: desired, failing: failing, since: observingSince,
                          "\(current) workers is below min_workers \(minWorkers): scaling \(current) → \(minWorkers)")
        }
        if desired > current {
            if current > 0 && failing {
                return decide(observation, to: current, desired: desired, failing: true, since: observingSince,
                              "\(failed) of \(invocations) invocations failed in the last \(DurationText.format(failureWindow)) "
                              + "(≥ \(Int(failureThreshold * 100))%): holding at \(current) instead of scaling up to \(desired); \(backlog)")
            }
            let to = min(desired, current + step)
            let limit = to < desired ? " (step limit +\(step): \(current) → \(to))" : ""
            return decide(observation, to: to, desired: desired, failing: failing, since: observingSince,
                          "\(backlog) > \(current) workers × \(target): \(wants) → scaling \(current) → \(to)\(limit)")
        }
        if desired < current {
            let windowText = DurationText.format(config.scaleDownStabilization)
            if now.timeIntervalSince(observingSince) < config.scaleDownStabilization.timeInterval {
                return decide(observation, to: current, desired: desired, failing: failing, since: observingSince,
                              "\(backlog): \(wants), but scaling started less than \(windowText) ago: holding \(current) (stabilization)")
            }
            let stabilized = max(desired, desires.map(\.workers).max() ?? desired)
            if stabilized < current {
                return decide(observation, to: stabilized, desired: desired, failing: failing, since: observingSince,
                              "\(backlog): \(wants); the desire stayed ≤ \(stabilized) for \(windowText): scaling \(current) → \(stabilized)")
            }
            let peak = desires.last { $0.workers >= current }
            let ago = peak.map { " \(DurationText.format(now.duration(since: $0.time))) ago" } ?? ""
            return decide(observation, to: current, desired: desired, failing: failing, since: observingSince,
                          "\(backlog): \(wants), but \(stabilized) were wanted\(ago): holding \(current) until the desire stays lower "
                          + "for \(windowText) (stabilization)")
        }
        return decide(observation, to: current, desired: desired, failing: failing, since: observingSince,
                      "\(backlog) fits \(current) workers × \(target): holding \(current)")
    }

    /// The immediate decision when messages become visible while the function has no
    /// workers: start them now instead of at the next interval (scale from zero).
    public mutating func messagesVisible(_ observation: Observation) -> ScalingDecision {
        if var platform {
            defer { self.platform = platform }
            return platform.messagesVisible(observation)
        }
        let now = observation.time
        let observingSince = startObserving(at: now)
        guard observation.workers == 0, observation.visible > 0 else {
            return ScalingDecision(function: function, time: now, from: observation.workers, to: observation.workers,
                                   desired: desiredWorkers(backlog: observation.backlog),
                                   reason: "\(describeBacklog(observation)) with \(observation.workers) workers: nothing to start")
        }
        let desired = max(1, desiredWorkers(backlog: observation.backlog))
        remember(desired, at: now)
        let to = min(maxWorkers, max(1, min(desired, step)))
        let limit = to < desired ? " (step limit +\(step))" : ""
        return decide(observation, to: to, desired: desired, failing: false, since: observingSince,
                      "\(describeBacklog(observation)) with no workers: \(describeDesire(observation.backlog, desired)) → "
                      + "starting \(to) now (scale from zero)\(limit)")
    }

    private mutating func startObserving(at now: Date) -> Date {
        switch state {
        case .fresh:
            state = .observing(since: now)
            return now
        case .observing(let since), .holdingForFailures(_, let since):
            return since
        }
    }

    /// Keeps the invocation outcomes of the failure window; returns their totals.
    private mutating func rememberOutcomes(_ observation: Observation) -> (invocations: Int, failed: Int) {
        let windowStart = observation.time.addingTimeInterval(-failureWindow.timeInterval)
        outcomes.removeAll { $0.time <= windowStart }
        if observation.invocations > 0 {
            outcomes.append((observation.time, observation.invocations, observation.failedInvocations))
        }
        return (outcomes.map(\.invocations).reduce(0, +), outcomes.map(\.failed).reduce(0, +))
    }

    /// Keeps the desires of the stabilization window, newest last.
    private mutating func remember(_ desired: Int, at now: Date) {
        let windowStart = now.addingTimeInterval(-config.scaleDownStabilization.timeInterval)
        desires.removeAll { $0.time <= windowStart }
        desires.append((now, desired))
    }

    private mutating func decide(
        _ observation: Observation, to: Int, desired: Int, failing: Bool, since: Date, _ reason: String
    ) -> ScalingDecision {
        let held = failing && to == observation.workers && desired > observation.workers
        switch (state, held) {
        case (.holdingForFailures(let started, _), true): state = .holdingForFailures(since: started, observingSince: since)
        case (_, true): state = .holdingForFailures(since: observation.time, observingSince: since)
        case (_, false): state = .observing(since: since)
        }
        if to > observation.workers { remember(to, at: observation.time) }
        return ScalingDecision(function: function, time: observation.time, from: observation.workers, to: to,
                               desired: desired, heldForFailures: held, reason: reason)
    }

    private func describeBacklog(_ observation: Observation) -> String {
        "backlog \(observation.backlog) (visible \(observation.visible) + in flight \(observation.inFlight))"
    }

    private func describeDesire(_ backlog: Int, _ desired: Int) -> String {
        let raw = backlog <= 0 ? 0 : (backlog + target - 1) / target
        var text = "wants ceil(\(backlog) / \(target)) = \(raw)"
        if desired != raw { text += raw > desired ? ", capped at max_workers \(desired)" : ", raised to min_workers \(desired)" }
        return text
    }
}
