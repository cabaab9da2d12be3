import QueueFunctions
import Foundation

/// A workload for the ``Simulator``: when messages arrive, how long the handler takes,
/// and when its dependency is down. Loaded from JSON with ``load(contentsOf:)``; the
/// format is documented there.
public struct Workload: Sendable, Equatable {
    /// One part of the workload's timeline; offsets count from the start of the run.
    public enum Phase: Sendable, Equatable {
        /// `count` messages at once at `at`.
        case burst(at: Duration, count: Int)
        /// `rate` messages per second, evenly spaced, from `from` until `to`.
        case steady(from: Duration, to: Duration, rate: Double)
        /// A rate moving linearly from `rateFrom` to `rateTo` between `from` and `to`.
        case ramp(from: Duration, to: Duration, rateFrom: Double, rateTo: Double)
        /// Invocations starting between `from` and `to` fail (the handler throws).
        case outage(from: Duration, to: Duration)
    }

    /// Settings of the simulated function that the workload fixes; nil keeps the caller's.
    public struct FunctionSettings: Sendable, Equatable {
        /// The trigger's `batch_size`.
        public var batchSize: Int?
        /// The function's `timeout`.
        public var timeout: Duration?
        /// The queue's `max_receive_count`.
        public var maxReceiveCount: Int?
        /// `min_workers`.
        public var minWorkers: Int?
        /// `max_workers`.
        public var maxWorkers: Int?
        /// `target_backlog_per_worker`.
        public var targetBacklogPerWorker: Int?
        /// `scale_interval`.
        public var scaleInterval: Duration?
        /// `max_scale_up_step`.
        public var maxScaleUpStep: Int?
        /// `scale_down_stabilization`.
        public var scaleDownStabilization: Duration?
        /// The host's `max_workers`.
        public var hostMaxWorkers: Int?

        /// Creates settings that change nothing.
        public init() {}
    }

    /// A name for reports (the file name without extension by default).
    public var name: String
    /// The seed of every random draw.
    public var seed: UInt64
    /// Arrivals are sent on a grid of this step (default 1ms), so a high rate costs
    /// one step per tick instead of one per message. Wait times count from the send.
    public var tick: Duration
    /// How long the handler takes per message; a batch takes the sum.
    public var handlerDuration: DurationDistribution
    /// The timeline.
    public var phases: [Phase]
    /// Function settings fixed by the workload.
    public var function: FunctionSettings
    /// Faults the simulated store injects (none by default).
    public var storeFaults: StoreFaults
    /// The dependency the handler calls, with its limits and breaker (none by default;
    /// see ``Workload/dependencyName``).
    public var dependency: DependencyConfig?

    /// Creates a workload.
    public init(
        name: String = "workload", seed: UInt64 = 1, tick: Duration = .milliseconds(1),
        handlerDuration: DurationDistribution = .fixed(.milliseconds(100)), phases: [Phase],
        function: FunctionSettings = FunctionSettings(), storeFaults: StoreFaults = StoreFaults()
    ) {
        self.storeFaults = storeFaults
        self.name = name
        self.seed = seed
        self.tick = tick
        self.handlerDuration = handlerDuration
        self.phases = phases
        self.function = function
    }

    /// Every arrival, in seconds from the start, sorted.
    public func arrivalOffsets() -> [Double] {
        var offsets: [Double] = []
        offsets.reserveCapacity(min(messageCount, WorkloadLimits.messages))
        for phase in phases {
            switch phase {
            case .burst(let at, let count):
                offsets.append(contentsOf: repeatElement(at.timeInterval, count: max(0, count)))
            case .steady(let from, let to, let rate):
                Self.appendRamp(&offsets, from: from.timeInterval, to: to.timeInterval, rateFrom: rate, rateTo: rate)
            case .ramp(let from, let to, let rateFrom, let rateTo):
                Self.appendRamp(&offsets, from: from.timeInterval, to: to.timeInterval, rateFrom: rateFrom, rateTo: rateTo)
            case .outage:
                break
            }
        }
        offsets.sort()
        return offsets
    }

    /// How many messages the workload sends (`Int.max` when that does not fit in an `Int`).
    public var messageCount: Int {
        phases.reduce(0) { total, phase in
            let count: Int
            switch phase {
            case .burst(_, let burst): count = max(0, burst)
            case .steady(let from, let to, let rate): count = Self.rampCount(span: (to - from).timeInterval, rateFrom: rate, rateTo: rate)
            case .ramp(let from, let to, let rateFrom, let rateTo):
                count = Self.rampCount(span: (to - from).timeInterval, rateFrom: rateFrom, rateTo: rateTo)
            case .outage: count = 0
            }
            let (sum, overflow) = total.addingReportingOverflow(count)
            return overflow ? .max : sum
        }
    }

    /// The outage windows, in seconds from the start.
    public var outages: [ClosedRange<Double>] {
        phases.compactMap { phase in
            if case .outage(let from, let to) = phase, to > from { return from.timeInterval...to.timeInterval }
            return nil
        }
    }

    /// `function` with the workload's settings applied.
    public func applying(to function: FunctionConfig) -> FunctionConfig {
        var result = function
        let settings = self.function
        if let value = settings.batchSize { result.trigger.batchSize = value }
        if let value = settings.timeout { result.timeout = value }
        if let value = settings.minWorkers { result.scale.minWorkers = value }
        if let value = settings.maxWorkers { result.scale.maxWorkers = value }
        if let value = settings.targetBacklogPerWorker { result.scale.targetBacklogPerWorker = value }
        if let value = settings.scaleInterval { result.scale.scaleInterval = value }
        if let value = settings.maxScaleUpStep { result.scale.maxScaleUpStep = value }
        if let value = settings.scaleDownStabilization { result.scale.scaleDownStabilization = value }
        return result
    }

    /// `host` with the workload's settings applied.
    public func applying(to host: HostConfig) -> HostConfig {
        var result = host
        if let value = function.hostMaxWorkers { result.maxWorkers = value }
        return result
    }

    static func rampCount(span: Double, rateFrom: Double, rateTo: Double) -> Int {
        guard span > 0 else { return 0 }
        let count = (span * (rateFrom + rateTo) / 2).rounded(.down)
        // Checked before converting: rates and spans from code may be anything.
        guard count.isFinite else { return count > 0 ? .max : 0 }
        guard count > 0 else { return 0 }
        return count < 9.0e18 ? Int(count) : .max
    }

    /// Arrivals of a rate moving linearly from `rateFrom` to `rateTo`: the k-th falls
    /// where the integral of the rate reaches k.
    static func appendRamp(_ offsets: inout [Double], from: Double, to: Double, rateFrom: Double, rateTo: Double) {
        let span = to - from
        let count = rampCount(span: span, rateFrom: rateFrom, rateTo: rateTo)
        guard count > 0 else { return }
        let slope = (rateTo - rateFrom) / (2 * span)
        for index in 0..<count {
            let k = Double(index)
            let root = (rateFrom * rateFrom + 4 * slope * k).squareRoot()
            let denominator = rateFrom + root
            let offset = denominator > 0 ? 2 * k / denominator : 0
            offsets.append(from + min(span, offset))
        }
    }
}
