import QueueFunctions
import Foundation
import Synchronization

/// Replays a ``Workload`` through the real dispatcher and the real ``Autoscaler`` on
/// virtual time, and compares it with fixed pools of `min_workers` (at least 1) and
/// `max_workers`: cost in worker-seconds against wait-time percentiles.
///
/// Each run is a ``VirtualHost``: a ``ManualClock``, a ``MemoryQueueStore`` and a
/// ``SimulationExecutor``. The clock jumps from event to event — the next arrival tick,
/// the next handler completion, retry, idle poll or scaling interval — and between
/// jumps the executor runs until every task is parked, so a run is exact and takes
/// real time only for the work the dispatcher does.
///
/// ```swift
/// let workload = try Workload.load(contentsOf: URL(fileURLWithPath: "Samples/workloads/burst.json"))
/// let report = try await Simulator.run(workload: workload)
/// print(report.table())
/// ```
public enum Simulator {
    /// Reported when a run cannot finish.
    public struct SimulationError: Error, CustomStringConvertible, Sendable {
        /// What went wrong and what to change.
        public var description: String
    }

    /// Runs `workload` for a function with the default settings plus the workload's
    /// `function` settings.
    ///
    /// - Throws: ``SimulationError`` when a run cannot finish.
    public static func run(workload: Workload) async throws -> SimulationReport {
        let function = FunctionConfig(name: "simulated", handler: "simulated", trigger: TriggerConfig(queue: "simulated"))
        return try await run(workload: workload, function: function, host: HostConfig())
    }

    /// Runs `workload` three times — autoscaled, fixed `min_workers` (at least 1), fixed
    /// `max_workers` — for `function` (its trigger, timeout, retry and scale settings;
    /// its handler is replaced by the simulated one) on a host with `host`'s settings.
    /// The workload's own `function` settings are applied on top.
    ///
    /// - Throws: ``SimulationError`` when a run cannot finish, or when the workload sends
    ///   more than 10,000,000 messages.
    public static func run(workload: Workload, function: FunctionConfig, host: HostConfig) async throws -> SimulationReport {
        if let problem = WorkloadLimits.messageCountProblem(workload) { throw SimulationError(description: problem) }
        var adjusted = workload.applying(to: function)
        adjusted.handler = "simulated"
        let function = adjusted
        let host = workload.applying(to: host)
        let arrivals = workload.arrivalOffsets()
        let low = max(1, function.scale.minWorkers)
        let high = max(low, min(function.scale.maxWorkers, host.maxWorkers))
        var plans: [(name: String, workers: String, fixed: Int?)] = [
            ("autoscaled", "\(function.scale.minWorkers)…\(min(function.scale.maxWorkers, host.maxWorkers))", nil),
            ("fixed_min", "\(low)", low),
            ("fixed_max", "\(high)", high),
        ]
        // With a breaker and an outage, also today's fixed pool without it: what the breaker saves.
        if workload.dependency?.breaker.enabled == true, !workload.outages.isEmpty {
            plans.append((SimulationReport.noBreakerRun, "\(high)", high))
        }
        let runs = try await withThrowingTaskGroup(of: (Int, SimulationReport.Run).self) { group in
            for (index, plan) in plans.enumerated() {
                group.addTask {
                    var config = function
                    if let fixed = plan.fixed { config.scale = ScaleConfig(minWorkers: fixed, maxWorkers: fixed) }
                    var run = try await runOnce(
                        workload: workload, arrivals: arrivals, function: config, host: host, autoscaled: plan.fixed == nil,
                        breaker: plan.name != SimulationReport.noBreakerRun
                    )
                    run.name = plan.name
                    run.workers = plan.workers
                    return (index, run)
                }
            }
            var runs: [(Int, SimulationReport.Run)] = []
            for try await run in group { runs.append(run) }
            return runs.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return SimulationReport(
            workload: workload.name, messages: arrivals.count, function: function.name, batchSize: function.trigger.batchSize,
            handlerDuration: workload.handlerDuration.summary, runs: runs
        )
    }

    /// One run through a virtual host.
    static func runOnce(
        workload: Workload, arrivals: [Double], function: FunctionConfig, host: HostConfig, autoscaled: Bool,
        queue profileQueue: QueueConfig? = nil, breaker: Bool = true
    ) async throws -> SimulationReport.Run {
        var function = function
        let clock = ManualClock()
        let origin = clock.now()
        let queueName = function.trigger.queue
        let queue = profileQueue ?? QueueConfig(
            name: queueName, deadLetterQueue: "\(queueName)-dlq", maxReceiveCount: workload.function.maxReceiveCount ?? 5,
            visibilityTimeout: max(.seconds(30), function.timeout * 2)
        )
        var dependency = workload.dependency
        if !breaker { dependency?.breaker.enabled = false }
        if dependency != nil { function.dependencies = [Workload.dependencyName] }
        var manifest = Manifest(queues: [queue, QueueConfig(name: queue.effectiveDeadLetterQueue)], functions: [function], host: host)
        manifest.dependencies = dependency.map { [$0] } ?? []
        let recorder = SimulationRecorder(expectedMessages: arrivals.count)
        var registry = FunctionRegistry()
        registry.register("simulated", SimulatedFunction(
            duration: workload.handlerDuration, seed: workload.seed, outages: workload.outages, origin: origin, recorder: recorder,
            reportsOutages: dependency?.breaker.enabled == true
        ))
        let jitter = Mutex(workload.seed)
        let random: @Sendable () -> Double = {
            jitter.withLock { state in
                state &+= 1
                return SeededRandom.unit(seed: state, index: 0, attempt: 0, salt: 4)
            }
        }
        let autoscaler = autoscaled ? Autoscaler() : nil
        let faults = workload.storeFaults.isEmpty
            ? nil : workload.storeFaults.controller(seed: workload.seed, clock: clock, origin: origin)
        let measured = try await VirtualHost.run(
            manifest: manifest, registry: registry, autoscaler: autoscaler, clock: clock,
            logger: QueueLogger(sink: DiscardingLogSink()), random: random, storeFaults: faults
        ) { virtual in
            try await drive(virtual, arrivals: arrivals, queue: queueName, tick: workload.tick.timeInterval, origin: origin)
        }
        let waits = recorder.sortedWaits()
        func percentile(_ fraction: Double) -> Double {
            guard !waits.isEmpty else { return 0 }
            let rank = Int((fraction * Double(waits.count)).rounded(.up))
            return waits[min(waits.count - 1, max(0, rank - 1))]
        }
        var run = SimulationReport.Run(
            name: "", workers: "", workerSeconds: measured.workerSeconds,
            waitP50: percentile(0.5), waitP95: percentile(0.95), waitP99: percentile(0.99), waitMax: waits.last ?? 0,
            peakBacklog: measured.peakBacklog, peakWorkers: measured.peakWorkers, drainTime: measured.drainTime,
            handled: measured.metrics.succeeded, deadLettered: measured.metrics.deadLettered,
            scalingChanges: autoscaler.map { $0.counts.scaleUps + $0.counts.scaleDowns } ?? 0, steps: measured.steps,
            retried: measured.metrics.retried
        )
        if let counts = faults?.counts {
            run.storeCalls = counts.calls
            run.storeFailures = counts.failures
            run.lapsedLeases = counts.lapsedLeases
        }
        return run
    }

    struct Measured: Sendable {
        var workerSeconds = 0.0
        var peakBacklog = 0
        var peakWorkers = 0
        var drainTime = 0.0
        var steps = 0
        var metrics = FunctionMetrics.Snapshot()
    }

    /// Steps the clock from event to event until every message has finished.
    static func drive(_ virtual: VirtualHost, arrivals: [Double], queue: String, tick: Double, origin: Date) async throws -> Measured {
        let slack = 1e-6
        func grid(_ offset: Double) -> Double { tick > 0 ? (offset / tick - slack).rounded(.up) * tick : offset }
        let limit = (arrivals.last ?? 0) + 30 * 86_400
        guard let runner = virtual.host.runners.first else { throw SimulationError(description: "the simulated host has no function") }
        var measured = Measured()
        var next = 0
        while true {
            let now = virtual.clock.now().timeIntervalSince(origin)
            var batch: [OutgoingMessage] = []
            while next < arrivals.count, grid(arrivals[next]) <= now + slack {
                batch.append(OutgoingMessage(body: Data(String(next).utf8)))
                next += 1
            }
            if !batch.isEmpty { try await virtual.store.send(batch, to: queue) }
            await virtual.settle()
            measured.steps += 1
            let stats = try await virtual.store.stats(for: queue)
            let workers = runner.workerCount
            measured.peakBacklog = max(measured.peakBacklog, stats.total)
            measured.peakWorkers = max(measured.peakWorkers, workers)
            if next == arrivals.count && stats.total == 0 {
                measured.drainTime = now
                break
            }
            var candidates: [Double] = []
            if next < arrivals.count { candidates.append(grid(arrivals[next])) }
            if let deadline = virtual.clock.nextDeadline { candidates.append(deadline.timeIntervalSince(origin)) }
            guard let target = candidates.min() else {
                throw SimulationError(description: "the simulation stalled at \(String(format: "%.3f", now)) s with "
                                      + "\(stats.total) message(s) unfinished and nothing scheduled; check the workload's workers")
            }
            guard target <= limit else {
                throw SimulationError(description: "the simulation passed 30 days of virtual time with \(stats.total) message(s) "
                                      + "unfinished; give the function more workers or a shorter handler")
            }
            let step = max(target, now + slack)
            measured.workerSeconds += Double(workers) * (step - now)
            virtual.clock.advance(to: origin.addingTimeInterval(step))
        }
        measured.metrics = runner.metrics.snapshot
        return measured
    }
}
