import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// Handles each message slowly: `duration` on the context's clock.
private struct SlowFunction: QueueFunction {
    typealias Message = Job
    let recorder: Recorder
    let duration: Duration

    func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
        for item in batch { recorder.record(item.message, item.metadata, at: context.clock.now()) }
        try await context.clock.sleep(for: duration)
    }
}

/// A wait that does not react to cancellation: only `open()` ends it.
private final class StubbornGate: Sendable {
    private let state = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    let started: AsyncStream<Void>.Continuation

    init(started: AsyncStream<Void>.Continuation) { self.started = started }

    func wait() async {
        await withCheckedContinuation { continuation in
            let openAlready = state.withLock { state in
                if !state.open { state.waiter = continuation }
                return state.open
            }
            if openAlready { continuation.resume() }
        }
    }

    func open() {
        let waiter = state.withLock { state in
            state.open = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

private struct IgnoresCancellation: QueueFunction {
    typealias Message = Job
    let gate: StubbornGate

    func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
        gate.started.yield()
        await gate.wait()
    }
}

/// Leases never lapse under a running handler; shutdown counts the receive of a running
/// handler; a handler that ignores cancellation is reported as stuck.
@Suite("Dispatcher leases and shutdown")
struct DispatcherLeaseTests {
    @Test("a handler running 2.5× the visibility timeout keeps its lease: renewed, never delivered twice")
    func leaseRenewedWhileHandlerRuns() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let recorder = Recorder()
        var registry = FunctionRegistry()
        registry.register("Slow", SlowFunction(recorder: recorder, duration: .seconds(25)))
        let host = try FailurePathHost(
            function: failurePathFunction(handler: "Slow", queue: "jobs", workers: 2, timeout: .seconds(60)),
            queue: QueueConfig(name: "jobs", visibilityTimeout: .seconds(10)), registry: registry, store: store, clock: clock
        )
        try await store.send([OutgoingMessage(body: Data("{\"number\":1}".utf8))], to: "jobs")
        #expect(try await becomesTrue { recorder.count == 1 })
        await advance(clock, seconds: 24)
        #expect(recorder.count == 1, "a second worker got the message while the first still ran it")
        #expect(try await store.stats(for: "jobs").inFlight == 1)
        #expect(host.metrics.renewedLeases >= 4)
        // The handler's 25s end; a few more steps in case it started sleeping a moment late.
        for _ in 0..<10 where host.metrics.succeeded == 0 { await advance(clock, seconds: 1) }
        #expect(try await becomesTrue { host.metrics.succeeded == 1 })
        #expect(try await store.stats(for: "jobs").total == 0)
        #expect(recorder.count == 1)
        #expect(host.metrics.lostLeases == 0)
        await host.shutdown()
    }

    @Test("a renewal refused as stale is logged and counted as a lost lease, and its ack is skipped")
    func lostLeaseSkipsTheAck() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let recorder = Recorder()
        var registry = FunctionRegistry()
        registry.register("Slow", SlowFunction(recorder: recorder, duration: .seconds(20)))
        let host = try FailurePathHost(
            function: failurePathFunction(handler: "Slow", queue: "jobs", timeout: .seconds(60)),
            queue: QueueConfig(name: "jobs", visibilityTimeout: .seconds(10)), registry: registry, store: store, clock: clock
        )
        try await store.send([OutgoingMessage(body: Data("{\"number\":1}".utf8))], to: "jobs")
        #expect(try await becomesTrue { recorder.count == 1 })
        // An operator purges the queue under the running handler: its lease is gone.
        #expect(try await store.purge("jobs") == 1)
        await advance(clock, seconds: 21)
        #expect(try await becomesTrue { host.metrics.lostLeases == 1 })
        #expect(!host.lines(containing: "lost the lease").isEmpty)
        for _ in 0..<10 where host.metrics.busyWorkers > 0 { await advance(clock, seconds: 1) }
        #expect(try await becomesTrue { host.metrics.busyWorkers == 0 })
        await letRun()
        #expect(host.metrics.succeeded == 0, "the ack of a lost lease is skipped")
        #expect(!host.lines(containing: "settlements were refused").contains { _ in true })
        await host.shutdown()
    }

    @Test("a message that hangs its handler on every start reaches the DLQ after max_receive_count host restarts")
    func hangingMessageReachesTheDeadLetterQueue() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let queue = QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq", maxReceiveCount: 3)
        try await store.send([OutgoingMessage(body: Data("{\"number\":1}".utf8))], to: "jobs")
        for restart in 1...3 {
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            var registry = FunctionRegistry()
            registry.register("Hangs", BlockingFunction(started: startedContinuation, cancelled: Switch(false)))
            let host = try FailurePathHost(
                function: failurePathFunction(handler: "Hangs", queue: "jobs", timeout: .seconds(3_600)),
                queue: queue, registry: registry, store: store, clock: clock
            )
            var starts = started.makeAsyncIterator()
            await starts.next()
            // The grace period is over: the host cancels the running handler and exits.
            await host.shutdownNow()
            let message = try await store.peek(restart < 3 ? "jobs" : "jobs-dlq", limit: 1).first
            #expect(message?.receiveCount == restart || message?.deadLetter?.receiveCount == restart)
            #expect(message?.failures.last?.error.contains("host shut down while the handler ran") == true)
            clock.advance(by: .seconds(600))
        }
        #expect(try await store.stats(for: "jobs").total == 0)
        let dead = try await store.peek("jobs-dlq", limit: 10)
        #expect(dead.count == 1)
        #expect(dead.first?.failures.count == 3)
    }

    @Test("a handler that ignores its timeout's cancellation is reported stuck and not counted as a live worker")
    func stuckHandlerIsReported() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let gate = StubbornGate(started: startedContinuation)
        var registry = FunctionRegistry()
        registry.register("Stubborn", IgnoresCancellation(gate: gate))
        let host = try FailurePathHost(
            function: failurePathFunction(handler: "Stubborn", queue: "jobs", timeout: .seconds(5)),
            queue: QueueConfig(name: "jobs"), registry: registry, store: store, clock: clock
        )
        try await store.send([OutgoingMessage(body: Data("{\"number\":1}".utf8))], to: "jobs")
        var starts = started.makeAsyncIterator()
        await starts.next()
        #expect(host.metrics.workers == 1)
        await advance(clock, seconds: 5)
        #expect(try await becomesTrue { host.metrics.timeouts == 1 })
        #expect(host.metrics.stuckWorkers == 0)
        await advance(clock, seconds: 4)
        #expect(host.metrics.stuckWorkers == 0, "reported stuck before the grace passed")
        for _ in 0..<6 where host.metrics.stuckWorkers == 0 { await advance(clock, seconds: 1) }
        #expect(try await becomesTrue { host.metrics.stuckWorkers == 1 })
        #expect(host.metrics.workers == 0)
        #expect(host.host.events.recent(kind: .failure).contains { $0.message.contains("ignores its cancellation") })
        gate.open()
        #expect(try await becomesTrue { host.metrics.stuckWorkers == 0 && host.metrics.workers == 1 })
        await host.shutdown()
    }
}
