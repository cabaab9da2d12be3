import Foundation
import Synchronization
import Testing
import QueueFunctions

/// A store that forwards to another one and fails chosen calls on demand: just enough to
/// drive the dispatcher's error paths (the testing product ships a full fault injector).
final class FailingStoreForTests: QueueStore {
    struct Failures {
        /// Thrown by every receive (and the receive half of settleAndReceive) while set.
        var receive: QueueStoreError?
        /// Thrown by every call that settles at least one message while set.
        var settle: QueueStoreError?
        /// Thrown by every extend while set.
        var extend: QueueStoreError?
    }

    struct Calls {
        var receive = 0
        var settle = 0
        var extend = 0
        var failed = 0
    }

    let base: any QueueStore
    private let failures = Mutex(Failures())
    private let calls = Mutex(Calls())

    init(_ base: any QueueStore) { self.base = base }

    func set(_ change: (inout Failures) -> Void) { failures.withLock { change(&$0) } }
    var callCounts: Calls { calls.withLock { $0 } }

    private func check(_ pick: (Failures) -> QueueStoreError?, count: (inout Calls) -> Void) throws {
        let error = failures.withLock { pick($0) }
        calls.withLock { calls in
            count(&calls)
            if error != nil { calls.failed += 1 }
        }
        if let error { throw error }
    }

    func send(_ messages: [OutgoingMessage], to queue: String) async throws { try await base.send(messages, to: queue) }

    func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        try check({ $0.receive }, count: { $0.receive += 1 })
        return try await base.receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }

    func settle(_ settlements: [Settlement]) async throws -> [SettleResult] {
        if !settlements.isEmpty { try check({ $0.settle }, count: { $0.settle += 1 }) }
        return try await base.settle(settlements)
    }

    func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        let results = settlements.isEmpty ? [] : try await settle(settlements)
        let leases = try await receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
        return (results, leases)
    }

    func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        try check({ $0.extend }, count: { $0.extend += 1 })
        return try await base.extend(token, visibilityTimeout: visibilityTimeout)
    }

    func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        try await base.redrive(from: deadLetterQueue, to: destination, limit: limit)
    }

    func purge(_ queue: String) async throws -> Int { try await base.purge(queue) }
    func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] { try await base.peek(queue, limit: limit) }
    func stats(for queue: String) async throws -> QueueStats { try await base.stats(for: queue) }
    func queueNames() async throws -> [String] { try await base.queueNames() }
    func waitForMessages(on queue: String, until deadline: Date) async { await base.waitForMessages(on: queue, until: deadline) }
    func close() async { await base.close() }
}

/// A real ``FunctionHost`` on a store the test chooses (TestHost always makes its own
/// memory store), on a manual clock, with its log lines captured.
final class FailurePathHost: Sendable {
    let clock: ManualClock
    let host: FunctionHost
    let logs = CapturingLogSink()
    private let runTask: Task<Void, Never>

    init(
        function: FunctionConfig, queue: QueueConfig, registry: FunctionRegistry, store: any QueueStore, clock: ManualClock
    ) throws {
        self.clock = clock
        var queues = [queue]
        if queue.deadLetterQueue == nil { queues[0].deadLetterQueue = queue.effectiveDeadLetterQueue }
        queues.append(QueueConfig(name: queue.effectiveDeadLetterQueue))
        let host = try FunctionHost(
            manifest: Manifest(queues: queues, functions: [function]), registry: registry, store: store, clock: clock,
            logger: QueueLogger(level: .debug, sink: logs, clock: clock), random: { 0 }
        )
        self.host = host
        host.startFixedPools()
        runTask = Task { await host.run() }
    }

    var runner: FunctionRunner { host.runners[0] }
    var metrics: FunctionMetrics.Snapshot { runner.metrics.snapshot }

    func lines(containing text: String) -> [LogRecord] { logs.captured.filter { $0.message.contains(text) } }

    /// Stops gracefully and waits for the host.
    func shutdown() async {
        host.stop()
        await runTask.value
    }

    /// Stops at once (the end of a grace period): running invocations are cancelled.
    func shutdownNow() async {
        host.stopNow()
        await runTask.value
    }

    /// Waits for `run()` to return on its own (after a fatal store error, for example).
    func waitForExit() async { await runTask.value }
}

/// Polls `condition` until it holds, for at most `limit` of real time: a way to wait for
/// background tasks to reach a state, never a performance assertion.
func becomesTrue(_ limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let giveUp = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < giveUp {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return try await condition()
}

/// Lets background tasks run until they have nothing left to do without the clock moving
/// (bounded, in real time).
func letRun(_ iterations: Int = 200) async {
    for _ in 0..<iterations { await Task.yield() }
    try? await Task.sleep(for: .milliseconds(10))
}

/// A function config for these tests.
func failurePathFunction(
    handler: String, queue: String, batchSize: Int = 10, workers: Int = 1, timeout: Duration = .seconds(5),
    retry: RetryPolicy = RetryPolicy(initialDelay: .seconds(1), jitter: 0)
) -> FunctionConfig {
    FunctionConfig(
        name: "under-test", handler: handler, trigger: TriggerConfig(queue: queue, batchSize: batchSize),
        timeout: timeout, retry: retry, scale: ScaleConfig(minWorkers: workers, maxWorkers: workers)
    )
}
