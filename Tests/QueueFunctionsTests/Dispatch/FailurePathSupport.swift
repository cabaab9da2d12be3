import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// A store that forwards to another one and fails chosen calls on demand: just enough to
/// drive the dispatcher's error paths (the testing product ships a full fault injector).
final class FailingStoreForTests: ForwardingQueueStore {
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
}

/// What a store busy past its timeout throws: a retryable error.
let storeBusy = QueueStoreError(.busy, "database is locked by another process for more than 5s: test.sqlite")

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
    func shutdown(sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        host.stop()
        await waitForExit(after: "a stop", sourceLocation: sourceLocation)
    }

    /// Stops at once (the end of a grace period): running invocations are cancelled.
    func shutdownNow(sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        host.stopNow()
        await waitForExit(after: "a hard stop", sourceLocation: sourceLocation)
    }

    /// Waits for `run()` to return on its own (after a fatal store error, for example).
    /// A host that does not return within a minute of real time is a failure that says
    /// what its receiver and workers were doing, then it is stopped at once, so a test
    /// never hangs the run.
    func waitForExit(after cause: String = "a fatal store error", sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        let run = runTask
        if await returnsWithin(.seconds(60), { await run.value }) { return }
        Issue.record("the host did not return within 60 s of \(cause): \(runner.stateDescription)", sourceLocation: sourceLocation)
        host.stopNow()
        _ = await returnsWithin(.seconds(30)) { await run.value }
    }
}

/// Advances `clock` one second at a time for `seconds`, letting the workers react after each step.
func advance(_ clock: ManualClock, seconds: Int) async {
    for _ in 0..<seconds {
        clock.advance(by: .seconds(1))
        await letRun()
    }
}

/// A ``FailurePathHost`` of one `Record` function (a ``RecordingFunction`` on `recorder`)
/// reading `queue`, with `workers` workers.
func recordingHost(
    _ store: any QueueStore, recorder: Recorder, clock: ManualClock,
    queue: QueueConfig = QueueConfig(name: "jobs"), workers: Int = 1
) throws -> FailurePathHost {
    var registry = FunctionRegistry()
    registry.register("Record", RecordingFunction(recorder: recorder))
    return try FailurePathHost(
        function: failurePathFunction(handler: "Record", queue: queue.name, workers: workers),
        queue: queue, registry: registry, store: store, clock: clock
    )
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
