import Foundation
import Synchronization

/// The scaling loop of a host: every `scale_interval` it reads each function's queue
/// and metrics, asks the function's ``ScalingPolicy``, shares the host's worker cap
/// between functions, and sets each pool's size. A function with no workers is
/// started as soon as a message becomes visible, without waiting for the interval.
///
/// Run it as the host's scaling loop; it returns when the host stops:
///
/// ```swift
/// let autoscaler = Autoscaler()
/// await host.run(scaling: { await autoscaler.run(host: $0) })
/// ```
///
/// Every change of a worker count is recorded as a ``HostEvent`` of kind `.scaling`
/// with its reason and logged at `info`; the runner metrics' `workers` and
/// `desiredWorkers` show the result.
public final class Autoscaler: Sendable {
    /// How many decisions of each kind were made.
    public struct Counts: Sendable, Equatable, Codable {
        /// Decisions made (periodic and scale-from-zero).
        public var decisions = 0
        /// Decisions that added workers.
        public var scaleUps = 0
        /// Decisions that removed workers.
        public var scaleDowns = 0
        /// Decisions that kept the count.
        public var holds = 0
        /// Holds because most recent invocations failed.
        public var failureHolds = 0
        /// Scale-from-zero starts between intervals.
        public var activations = 0
        /// Decisions lowered by the host-wide worker cap.
        public var capped = 0

        /// Creates zeroed counts.
        public init() {}
    }

    struct State {
        var policies: [String: ScalingPolicy] = [:]
        /// The runner each policy was made for.
        var runners: [String: ObjectIdentifier] = [:]
        var previous: [String: FunctionMetrics.Snapshot] = [:]
        /// When each function decides next, on the clock's monotonic ``HostClock/uptime()``.
        var nextTick: [String: Duration] = [:]
        var counts = Counts()
        var last: [String: ScalingDecision] = [:]
        var history = RingBuffer<ScalingDecision>()
        /// Functions at zero that the cap kept at zero; not watched until their next interval.
        var blocked: Set<String> = []
    }

    let state = Mutex(State())
    /// How many decisions ``recentDecisions(limit:)`` keeps.
    public let historyCapacity: Int
    let failureThreshold: Double
    let failureMinimumInvocations: Int
    let failureWindow: Duration?

    /// Creates an autoscaler.
    ///
    /// - Parameters:
    ///   - failureThreshold: The fraction of recently failed invocations at which scale-ups stop.
    ///   - failureMinimumInvocations: The fewest recent invocations for that rule to apply.
    ///   - failureWindow: How far back "recently" reaches (default 10 scale intervals).
    ///   - historyCapacity: How many recent decisions to keep for inspection.
    public init(
        failureThreshold: Double = 0.5, failureMinimumInvocations: Int = 4, failureWindow: Duration? = nil,
        historyCapacity: Int = 1_000
    ) {
        self.failureThreshold = failureThreshold
        self.failureMinimumInvocations = failureMinimumInvocations
        self.failureWindow = failureWindow
        self.historyCapacity = max(1, historyCapacity)
    }

    /// How many decisions of each kind were made so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// The latest decision for the function named `function`, if any.
    public func lastDecision(for function: String) -> ScalingDecision? {
        state.withLock { $0.last[function] }
    }

    /// The most recent decisions (holds included), oldest first.
    public func recentDecisions(limit: Int = .max) -> [ScalingDecision] {
        state.withLock { state in
            var all: [ScalingDecision] = []
            state.history.forEach { all.append($0) }
            return Array(all.suffix(limit))
        }
    }

    /// Runs the loop for `host` until the host stops or the calling task is cancelled.
    public func run(host: FunctionHost) async {
        while !Task.isCancelled {
            let stopGeneration = host.activity.generation(of: FunctionHost.stopKey)
            let changeGeneration = host.activity.generation(of: FunctionHost.runnersChangedKey)
            if host.isStopping { break }
            followRunners(of: host)
            let now = host.clock.now()
            let uptime = host.clock.uptime()
            let due = state.withLock { state in host.runners.filter { (state.nextTick[$0.function.name] ?? uptime) <= uptime } }
            if !due.isEmpty { await tick(due, host: host, at: now, uptime: uptime) }
            await activateIdleFunctions(host: host)
            let (deadline, watched) = nextWait(host: host)
            await wait(until: deadline, watching: watched, host: host, stopGeneration: stopGeneration,
                       changeGeneration: changeGeneration)
        }
    }

    /// Gives every runner of `host` a policy from its own settings: a new function, or
    /// one whose pool a manifest reload replaced, starts afresh; removed ones are forgotten.
    private func followRunners(of host: FunctionHost) {
        let runners = host.runners
        let uptime = host.clock.uptime()
        state.withLock { state in
            for runner in runners where state.runners[runner.function.name] != ObjectIdentifier(runner) {
                let name = runner.function.name
                state.runners[name] = ObjectIdentifier(runner)
                state.policies[name] = ScalingPolicy(
                    function: name, config: runner.function.scale,
                    failureThreshold: failureThreshold, failureMinimumInvocations: failureMinimumInvocations,
                    failureWindow: failureWindow
                )
                state.previous[name] = runner.metrics.snapshot
                state.nextTick[name] = uptime
            }
            let names = Set(runners.map(\.function.name))
            for name in state.runners.keys where !names.contains(name) {
                state.runners[name] = nil
                state.policies[name] = nil
                state.previous[name] = nil
                state.nextTick[name] = nil
                state.blocked.remove(name)
            }
        }
    }

    /// The earliest next interval, and the queues of functions at zero workers to watch meanwhile.
    private func nextWait(host: FunctionHost) -> (Duration, [String]) {
        state.withLock { state in
            let deadline = state.nextTick.values.min() ?? host.clock.uptime() + .seconds(1)
            let watched = host.runners.filter { runner in
                runner.activeWorkerCount == 0 && runner.function.scale.maxWorkers > 0
                    && !state.blocked.contains(runner.function.name)
            }.map(\.queue.name)
            return (deadline, Array(Set(watched)).sorted())
        }
    }

    /// Waits for the next interval, a visible message on a watched queue, or the host's stop.
    /// The interval is measured on the monotonic reading, so setting the wall clock
    /// neither stalls nor rushes scaling.
    private func wait(
        until deadline: Duration, watching queues: [String], host: FunctionHost, stopGeneration: UInt64, changeGeneration: UInt64
    ) async {
        let clock = host.clock
        let store = host.store
        // The store wakes watchers by its own (wall-clock) time: the same moment, as a date.
        let storeDeadline = clock.now().adding(deadline - clock.uptime())
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(untilUptime: deadline) }
            for queue in queues {
                group.addTask { await store.waitForMessages(on: queue, until: storeDeadline) }
            }
            group.addTask { await host.activity.wait(on: FunctionHost.stopKey, ifGeneration: stopGeneration) }
            group.addTask { await host.activity.wait(on: FunctionHost.runnersChangedKey, ifGeneration: changeGeneration) }
            await group.next()
            group.cancelAll()
        }
    }
}
