import Foundation
import QueueFunctions

/// Runs handlers under the real dispatcher with an in-memory store and a manual
/// clock, so retries, backoff and dead-lettering can be asserted without waiting.
///
/// ```swift
/// let host = try TestHost(function: MyFunction(), queue: QueueConfig(name: "jobs"))
/// try await host.send(Job(id: 1), to: "jobs")
/// try await host.settle()
/// #expect(try await host.deadLetters(of: "jobs").isEmpty)
/// await host.shutdown()
/// ```
public final class TestHost: Sendable {
    /// Reported when the host does not go quiet: a handler blocks, or messages cannot be handled.
    public struct NotSettled: Error, CustomStringConvertible {
        /// What was still going on.
        public var description: String
    }

    /// The manual clock everything runs on.
    public let clock: ManualClock
    /// The in-memory store. With `storeFaults`, the host talks to it through a
    /// ``FaultyStore`` (``FunctionHost/store``), while the test's own reads here see no faults.
    public let store: MemoryQueueStore
    /// The real host.
    public let host: FunctionHost
    /// Every log line the host wrote.
    public let logs: CapturingLogSink
    private let runTask: Task<Void, Never>

    /// Starts a host for `manifest` with handlers from `registry`.
    ///
    /// - Parameters:
    ///   - jitter: The random value (0..<1) used for backoff jitter; 0 means the full
    ///     exponential delay, which makes delays exact in tests.
    ///   - scaling: The scaling loop to run, if any; without one each function runs `max_workers` workers.
    ///   - storeFaults: Faults to inject into every store call the host makes (a
    ///     ``FaultyStore`` around the memory store); nil for none.
    public init(
        manifest: Manifest, registry: FunctionRegistry, clock: ManualClock = ManualClock(), jitter: Double = 0,
        logLevel: LogLevel = .debug, scaling: (@Sendable (FunctionHost) async -> Void)? = nil,
        storeFaults: StoreFaults? = nil
    ) throws {
        self.clock = clock
        let store = MemoryQueueStore(clock: clock)
        self.store = store
        let logs = CapturingLogSink()
        self.logs = logs
        let hostStore: any QueueStore = storeFaults.map { FaultyStore(wrapping: store, faults: $0) } ?? store
        let host = try FunctionHost(
            manifest: manifest, registry: registry, store: hostStore, clock: clock,
            logger: QueueLogger(level: logLevel, sink: logs, clock: clock), random: { jitter }
        )
        self.host = host
        if scaling == nil {
            // Start the pools before returning, so `settle()` never sees a host that has not started.
            host.startFixedPools()
        }
        runTask = Task { await host.run(scaling: scaling) }
    }

    /// Starts a host running one function, `function`, on `queue`.
    ///
    /// - Parameters:
    ///   - name: The function's name.
    ///   - batchSize: The trigger's batch size.
    ///   - workers: How many workers run it.
    ///   - timeout: The function's timeout.
    ///   - retry: The function's retry policy.
    ///   - storeFaults: Faults to inject into every store call the host makes; nil for none.
    public convenience init<Function: QueueFunction>(
        function: Function, name: String = "function-under-test", queue: QueueConfig, batchSize: Int = 10,
        batchingWindow: Duration = .zero, workers: Int = 1, timeout: Duration = .seconds(5),
        retry: RetryPolicy = RetryPolicy(jitter: 0), clock: ManualClock = ManualClock(), storeFaults: StoreFaults? = nil
    ) throws {
        var registry = FunctionRegistry()
        registry.register(String(describing: Function.self), function)
        let config = FunctionConfig(
            name: name, handler: String(describing: Function.self),
            trigger: TriggerConfig(queue: queue.name, batchSize: batchSize, batchingWindow: batchingWindow),
            timeout: timeout, retry: retry, scale: ScaleConfig(minWorkers: workers, maxWorkers: workers)
        )
        var queues = [queue]
        let dlq = queue.effectiveDeadLetterQueue
        if queue.deadLetterQueue == nil { queues[0].deadLetterQueue = dlq }
        queues.append(QueueConfig(name: dlq))
        try self.init(
            manifest: Manifest(queues: queues, functions: [config]), registry: registry, clock: clock, storeFaults: storeFaults
        )
    }

    /// Sends `value` as JSON to `queue`.
    @discardableResult
    public func send<Value: Encodable>(_ value: Value, to queue: String, delay: Duration = .zero) async throws -> MessageID {
        try await host.queues.send(value, to: queue, delay: delay)
    }

    /// Sends raw bytes to `queue`.
    @discardableResult
    public func send(body: Data, to queue: String, delay: Duration = .zero) async throws -> MessageID {
        try await host.queues.send(body: body, to: queue, delay: delay)
    }

    /// Waits until every worker is idle and no trigger queue has a visible message:
    /// everything that can happen without the clock moving has happened.
    ///
    /// Workers that stay parked on the clock while messages are visible (backing off
    /// from a failing store, for example) also count as settled, once they have stayed
    /// so, with no activity, for a few polls of 50 ms of real time.
    ///
    /// - Throws: ``NotSettled`` when that does not happen within `limit` of real time
    ///   (a handler that blocks, for example).
    public func settle(limit: Duration = .seconds(20)) async throws {
        let giveUp = Date().adding(limit)
        var parkedPolls = 0
        while true {
            let generation = host.activity.generation(of: FunctionRunner.activityKey)
            switch try await quietness() {
            case .quiet:
                return
            case .parkedWithVisibleMessages:
                parkedPolls += 1
                if parkedPolls >= 4 { return }
            case .busy:
                parkedPolls = 0
            }
            if Date() >= giveUp {
                throw NotSettled(description: "the host did not settle within \(limit): \(try await describeActivity())")
            }
            await host.activity.wait(
                on: FunctionRunner.activityKey, ifGeneration: generation, until: min(giveUp, Date().adding(.milliseconds(50))),
                clock: SystemClock()
            )
            if host.activity.generation(of: FunctionRunner.activityKey) != generation { parkedPolls = 0 }
        }
    }

    /// Moves the clock forward by `duration`, then waits for the host to settle.
    public func advance(by duration: Duration) async throws {
        clock.advance(by: duration)
        try await settle()
    }

    /// The messages sitting in the dead-letter queue of `queue` (or in `queue` itself
    /// when it is a dead-letter queue).
    public func deadLetters(of queue: String) async throws -> [StoredMessage] {
        try await store.peek(host.manifest.deadLetterQueue(meant: queue), limit: .max)
    }

    /// The counts of `queue`.
    public func stats(_ queue: String) async throws -> QueueStats {
        try await store.stats(for: queue)
    }

    /// The counters of the function named `name` (the only function when nil).
    public func metrics(_ name: String? = nil) -> FunctionMetrics.Snapshot {
        let runner = name.flatMap { host.runner(named: $0) } ?? host.runners.first
        return runner?.metrics.snapshot ?? FunctionMetrics.Snapshot()
    }

    /// Stops the host gracefully and waits for it.
    public func shutdown() async {
        host.stop()
        await runTask.value
    }

    /// Stops the host at once: running invocations are cancelled and their unsettled
    /// messages are handed back (visible again, their receive given back), as at the end
    /// of a shutdown's grace period.
    public func shutdownNow() async {
        host.stopNow()
        await runTask.value
    }

    private enum Quietness {
        case quiet
        /// Every worker waits on the clock, but a trigger queue has visible messages.
        case parkedWithVisibleMessages
        case busy
    }

    private func quietness() async throws -> Quietness {
        guard host.isQuiescent else { return .busy }
        var visible = false
        for runner in host.runners where runner.activeWorkerCount > 0 {
            if try await store.stats(for: runner.queue.name).visible > 0 { visible = true }
        }
        guard host.isQuiescent else { return .busy }
        return visible ? .parkedWithVisibleMessages : .quiet
    }

    private func describeActivity() async throws -> String {
        var parts: [String] = []
        for runner in host.runners {
            let stats = try await store.stats(for: runner.queue.name)
            parts.append("\(runner.function.name): \(runner.workerCount) worker(s), quiescent \(runner.isQuiescent), "
                         + "queue \(runner.queue.name) visible \(stats.visible) in flight \(stats.inFlight) delayed \(stats.delayed)")
        }
        return parts.joined(separator: "; ")
    }
}
