import Foundation
import Synchronization
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Dispatcher")
struct DispatcherTests {
    @Test("10,000 messages through 4 workers are each handled exactly once")
    func manyMessagesHandledOnce() async throws {
        let recorder = Recorder()
        let host = try TestHost(function: RecordingFunction(recorder: recorder), queue: QueueConfig(name: "jobs"), workers: 4)
        let bodies = (0..<10_000).map { Data("{\"number\":\($0)}".utf8) }
        for chunk in stride(from: 0, to: bodies.count, by: 500) {
            try await host.host.queues.send(bodies: Array(bodies[chunk..<min(chunk + 500, bodies.count)]), to: "jobs")
        }
        // A safety net, not a speed test: the whole suite runs heavy tests side by side on 2 cores.
        try await host.settle(limit: .seconds(120))
        #expect(recorder.count == 10_000)
        #expect(Set(recorder.numbers).count == 10_000)
        #expect(recorder.all.allSatisfy { $0.receiveCount == 1 })
        #expect(try await host.stats("jobs").total == 0)
        #expect(host.metrics().succeeded == 10_000)
        #expect(host.metrics().coldStarts == 4)
        await host.shutdown()
    }

    @Test("a handler failing twice then succeeding is handled on the 3rd receive after the configured backoff")
    func backoffThenSuccess() async throws {
        let recorder = Recorder()
        let retry = RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(60), multiplier: 2, jitter: 0)
        let host = try TestHost(
            function: FlakyFunction(recorder: recorder, failures: 2), queue: QueueConfig(name: "jobs"), retry: retry
        )
        let start = host.clock.now()
        try await host.send(Job(number: 7), to: "jobs")
        try await host.settle()
        #expect(recorder.count == 1)
        #expect(try await host.stats("jobs").delayed == 1)

        try await host.advance(by: .milliseconds(999))
        #expect(recorder.count == 1)
        try await host.advance(by: .milliseconds(1))
        #expect(recorder.count == 2)

        try await host.advance(by: .milliseconds(1_999))
        #expect(recorder.count == 2)
        try await host.advance(by: .milliseconds(1))
        #expect(recorder.count == 3)

        let calls = recorder.all
        #expect(calls.map(\.receiveCount) == [1, 2, 3])
        #expect(calls.map { $0.time.timeIntervalSince(start) } == [0, 1, 3])
        #expect(try await host.stats("jobs").total == 0)
        #expect(try await host.deadLetters(of: "jobs").isEmpty)
        await host.shutdown()
    }

    @Test("jitter shortens the backoff by up to the configured fraction")
    func jitterBounds() {
        let policy = RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(300), multiplier: 2, jitter: 0.5)
        #expect(policy.delay(afterAttempt: 3, unit: 0) == .seconds(4))
        #expect(policy.delay(afterAttempt: 3, unit: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 20, unit: 0) == .seconds(300))
    }

    @Test("a message that always fails is dead-lettered after max_receive_count with every error, and redrive lets it succeed")
    func deadLetterAndRedrive() async throws {
        let recorder = Recorder()
        let failing = Switch(true)
        let queue = QueueConfig(name: "imports", deadLetterQueue: "imports-dlq", maxReceiveCount: 5)
        let host = try TestHost(
            function: SwitchableBatchFunction(recorder: recorder, failing: failing), queue: queue,
            retry: RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(10), jitter: 0)
        )
        let id = try await host.send(Job(number: 1), to: "imports")
        try await host.settle()
        for _ in 0..<4 { try await host.advance(by: .seconds(10)) }
        #expect(recorder.count == 5)
        #expect(try await host.stats("imports").total == 0)
        #expect(try await host.stats("imports").deadLettered == 1)

        let dead = try await host.deadLetters(of: "imports")
        let message = try #require(dead.first)
        #expect(dead.count == 1)
        #expect(message.id == id)
        #expect(message.deadLetter?.sourceQueue == "imports")
        #expect(message.deadLetter?.receiveCount == 5)
        #expect(message.failures.count == 5)
        #expect(message.failures.map(\.attempt) == [1, 2, 3, 4, 5])
        #expect(message.failures.allSatisfy { $0.error == "import service unavailable" })
        #expect(host.metrics().deadLettered == 1)
        #expect(host.host.events.recent(kind: .deadLetter).count == 1)

        failing.set(false)
        #expect(try await host.store.redrive(from: "imports-dlq", to: nil, limit: 10) == 1)
        try await host.settle()
        #expect(recorder.count == 6)
        #expect(recorder.all.last?.receiveCount == 1)
        #expect(try await host.stats("imports").total == 0)
        #expect(try await host.deadLetters(of: "imports").isEmpty)
        await host.shutdown()
    }

    @Test("partial batch failure: only the failed items come back")
    func partialBatchFailure() async throws {
        struct OddFails: QueueFunction {
            typealias Message = Job
            let recorder: Recorder
            func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
                for item in batch {
                    recorder.record(item.message, item.metadata, at: context.clock.now())
                    if item.message.number % 2 == 1 && item.metadata.receiveCount == 1 {
                        batch.settle(item, .failure("odd numbers fail once"))
                    }
                }
            }
        }
        let recorder = Recorder()
        let host = try TestHost(function: OddFails(recorder: recorder), queue: QueueConfig(name: "jobs"), batchSize: 10)
        try await host.host.queues.send(bodies: (0..<6).map { Data("{\"number\":\($0)}".utf8) }, to: "jobs")
        try await host.settle()
        #expect(recorder.numbers.sorted() == [0, 1, 2, 3, 4, 5])
        #expect(try await host.stats("jobs").delayed == 3)
        try await host.advance(by: .seconds(1))
        #expect(recorder.count == 9)
        #expect(recorder.all.suffix(3).map(\.number).sorted() == [1, 3, 5])
        #expect(recorder.all.suffix(3).allSatisfy { $0.receiveCount == 2 })
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    @Test("throwing fails only the items not yet settled")
    func throwingFailsUnsettledOnly() async throws {
        struct SettleFirstThenThrow: QueueFunction {
            typealias Message = Job
            let recorder: Recorder
            func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
                for item in batch { recorder.record(item.message, item.metadata, at: context.clock.now()) }
                if let first = batch.items.first, first.metadata.receiveCount == 1 {
                    batch.settle(first, .success)
                    throw HandlerFailure(description: "failed after the first item")
                }
            }
        }
        let recorder = Recorder()
        let host = try TestHost(function: SettleFirstThenThrow(recorder: recorder), queue: QueueConfig(name: "jobs"))
        try await host.host.queues.send(bodies: (0..<3).map { Data("{\"number\":\($0)}".utf8) }, to: "jobs")
        try await host.settle()
        #expect(try await host.stats("jobs").delayed == 2)
        try await host.advance(by: .seconds(1))
        #expect(recorder.all.suffix(2).map(\.number).sorted() == [1, 2])
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    @Test("retry(after:) uses the handler's delay and deadLetter(reason:) moves the message at once")
    func explicitOutcomes() async throws {
        struct Decides: QueueFunction {
            typealias Message = Job
            let recorder: Recorder
            func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
                for item in batch {
                    recorder.record(item.message, item.metadata, at: context.clock.now())
                    switch item.message.number {
                    case 1 where item.metadata.receiveCount == 1: batch.settle(item, .retry(after: .seconds(42), reason: "rate limited"))
                    case 2: batch.settle(item, .deadLetter(reason: "customer does not exist"))
                    default: batch.settle(item, .success)
                    }
                }
            }
        }
        let recorder = Recorder()
        let host = try TestHost(function: Decides(recorder: recorder), queue: QueueConfig(name: "jobs"))
        try await host.send(Job(number: 1), to: "jobs")
        try await host.send(Job(number: 2), to: "jobs")
        try await host.settle()
        let dead = try await host.deadLetters(of: "jobs")
        #expect(dead.count == 1)
        #expect(dead.first?.deadLetter?.reason == "customer does not exist")
        #expect(dead.first?.deadLetter?.receiveCount == 1)
        try await host.advance(by: .seconds(41))
        #expect(recorder.count == 2)
        try await host.advance(by: .seconds(1))
        #expect(recorder.count == 3)
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    @Test("an undecodable body is dead-lettered on its first receive with the decoding error")
    func undecodableBody() async throws {
        let recorder = Recorder()
        let host = try TestHost(function: RecordingFunction(recorder: recorder), queue: QueueConfig(name: "jobs"))
        try await host.send(body: Data("{\"numbr\": 5}".utf8), to: "jobs")
        try await host.send(body: Data("not json".utf8), to: "jobs")
        try await host.send(Job(number: 3), to: "jobs")
        try await host.settle()
        #expect(recorder.numbers == [3])
        let dead = try await host.deadLetters(of: "jobs")
        #expect(dead.count == 2)
        #expect(dead.allSatisfy { $0.deadLetter?.receiveCount == 1 && $0.failures.count == 1 })
        let reasons = dead.compactMap(\.deadLetter?.reason)
        #expect(reasons.contains { $0.contains("missing field 'number'") && $0.contains("Job") })
        #expect(reasons.contains { $0.contains("could not decode the body as Job") })
        await host.shutdown()
    }

    @Test("a handler past its timeout is cancelled and its message comes back after the backoff")
    func timeoutCancelsAndRetries() async throws {
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let cancelled = Switch(false)
        let host = try TestHost(
            function: BlockingFunction(started: startedContinuation, cancelled: cancelled),
            queue: QueueConfig(name: "jobs", maxReceiveCount: 5), timeout: .seconds(5),
            retry: RetryPolicy(initialDelay: .seconds(3), jitter: 0)
        )
        try await host.send(Job(number: 1), to: "jobs")
        var starts = started.makeAsyncIterator()
        await starts.next()
        host.clock.advance(by: .seconds(5))
        try await host.settle()
        #expect(cancelled.isOn)
        #expect(host.metrics().timeouts == 1)
        let parked = try #require(try await host.store.peek("jobs", limit: 1).first)
        #expect(parked.failures.first?.error.contains("timed out after 5s") == true)
        #expect(parked.state == .delayed(until: host.clock.now().adding(.seconds(3))))
        host.clock.advance(by: .seconds(3))
        await starts.next()
        #expect(try await host.stats("jobs").inFlight == 1)
        host.clock.advance(by: .seconds(5))
        try await host.settle()
        await host.shutdown()
    }

    @Test("a handler that ignores its cancellation still has its messages released at the timeout")
    func timeoutReleasesWithoutWaitingForTheHandler() async throws {
        /// A wait that does not react to cancellation: only `open()` ends it.
        final class Gate: Sendable {
            let started: AsyncStream<Void>.Continuation
            private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
            private let isOpen = Mutex(false)
            init(started: AsyncStream<Void>.Continuation) { self.started = started }
            func wait() async {
                await withCheckedContinuation { continuation in
                    let openAlready = isOpen.withLock { open in
                        if !open { waiter.withLock { $0 = continuation } }
                        return open
                    }
                    if openAlready { continuation.resume() }
                }
            }
            func open() {
                let continuation: CheckedContinuation<Void, Never>? = isOpen.withLock { open in
                    open = true
                    return waiter.withLock { waiting in
                        defer { waiting = nil }
                        return waiting
                    }
                }
                continuation?.resume()
            }
        }
        struct Stubborn: QueueFunction {
            typealias Message = Job
            let gate: Gate
            func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
                gate.started.yield()
                await gate.wait()
            }
        }
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let gate = Gate(started: startedContinuation)
        let host = try TestHost(
            function: Stubborn(gate: gate), queue: QueueConfig(name: "jobs"), timeout: .seconds(5),
            retry: RetryPolicy(initialDelay: .seconds(60), jitter: 0)
        )
        try await host.send(Job(number: 1), to: "jobs")
        var starts = started.makeAsyncIterator()
        await starts.next()
        host.clock.advance(by: .seconds(5))
        var released = false
        for _ in 0..<2_000 where !released {
            released = try await host.stats("jobs").delayed == 1
            if !released { await Task.yield() }
        }
        #expect(released)
        #expect(host.metrics().busyWorkers == 0)
        gate.open()
        try await host.settle()
        #expect(try await host.stats("jobs").delayed == 1)
        await host.shutdown()
    }

    @Test("stopping at once hands running messages back: visible again, their receive given back")
    func hardStopHandsBack() async throws {
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let cancelled = Switch(false)
        let host = try TestHost(
            function: BlockingFunction(started: startedContinuation, cancelled: cancelled), queue: QueueConfig(name: "jobs")
        )
        try await host.send(Job(number: 1), to: "jobs")
        var starts = started.makeAsyncIterator()
        await starts.next()
        #expect(try await host.stats("jobs").inFlight == 1)
        await host.shutdownNow()
        #expect(cancelled.isOn)
        let message = try #require(try await host.store.peek("jobs", limit: 1).first)
        #expect(message.state == .visible)
        #expect(message.receiveCount == 0)
        #expect(message.failures.isEmpty)
    }

    @Test("graceful shutdown lets a running batch finish and settle")
    func gracefulShutdownFinishesBatch() async throws {
        struct SlowOnce: QueueFunction {
            typealias Message = Job
            let recorder: Recorder
            let started: AsyncStream<Void>.Continuation
            func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
                started.yield()
                try await context.clock.sleep(for: .seconds(2))
                for item in batch { recorder.record(item.message, item.metadata, at: context.clock.now()) }
            }
        }
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let recorder = Recorder()
        let host = try TestHost(function: SlowOnce(recorder: recorder, started: startedContinuation), queue: QueueConfig(name: "jobs"))
        try await host.send(Job(number: 9), to: "jobs")
        var starts = started.makeAsyncIterator()
        await starts.next()
        let stopping = Task { await host.shutdown() }
        while host.clock.sleeperCount < 2 { await Task.yield() }
        host.clock.advance(by: .seconds(2))
        await stopping.value
        #expect(recorder.numbers == [9])
        #expect(try await host.stats("jobs").total == 0)
    }

    @Test("a delivery that was never settled (a crashed host) comes back when its lease lapses; past the limit it is dead-lettered unrun")
    func crashedDeliveries() async throws {
        let recorder = Recorder()
        let clock = ManualClock()
        let queue = QueueConfig(name: "jobs", maxReceiveCount: 2, visibilityTimeout: .seconds(30))
        let host = try TestHost(function: RecordingFunction(recorder: recorder), queue: queue, workers: 0, clock: clock)
        // Two deliveries taken by "another process" that died without settling.
        try await host.send(Job(number: 1), to: "jobs")
        _ = try await host.store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        clock.advance(by: .seconds(30))
        let second = try await host.store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        #expect(second.first?.message.receiveCount == 2)
        clock.advance(by: .seconds(30))
        host.host.runners[0].setWorkerCount(1)
        try await host.settle()
        #expect(recorder.count == 0)
        let dead = try await host.deadLetters(of: "jobs")
        #expect(dead.first?.deadLetter?.receiveCount == 3)
        #expect(dead.first?.deadLetter?.reason.contains("probably crashed") == true)
        await host.shutdown()
    }

    @Test("handlers chain functions by sending to other queues")
    func chaining() async throws {
        struct Forward: MessageFunction {
            typealias Message = Job
            func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
                try await context.send(Job(number: message.number * 10), to: "second")
            }
        }
        let recorder = Recorder()
        var registry = FunctionRegistry()
        registry.register("Forward", Forward())
        registry.register("Record", RecordingFunction(recorder: recorder))
        let manifest = Manifest(
            queues: [QueueConfig(name: "first"), QueueConfig(name: "second")],
            functions: [
                FunctionConfig(name: "forward", handler: "Forward", trigger: TriggerConfig(queue: "first")),
                FunctionConfig(name: "record", handler: "Record", trigger: TriggerConfig(queue: "second")),
            ]
        )
        let host = try TestHost(manifest: manifest, registry: registry)
        try await host.send(Job(number: 4), to: "first")
        try await host.settle()
        #expect(recorder.numbers == [40])
        await host.shutdown()
    }

    @Test("sending to a queue the manifest does not declare fails with the known queues")
    func unknownQueue() async throws {
        let host = try TestHost(function: RecordingFunction(recorder: Recorder()), queue: QueueConfig(name: "jobs"))
        await #expect(throws: QueueClient.SendError.self) { try await host.send(Job(number: 1), to: "jobz") }
        do {
            try await host.send(Job(number: 1), to: "jobz")
        } catch {
            #expect("\(error)".contains("did you mean 'jobs'"))
        }
        await host.shutdown()
    }

    @Test("the handler factory runs once per worker: each worker owns its instance")
    func factoryPerWorker() async throws {
        let calls = Mutex(0)
        let recorder = Recorder()
        var registry = FunctionRegistry()
        registry.register("Record") { () -> RecordingFunction in
            calls.withLock { $0 += 1 }
            return RecordingFunction(recorder: recorder)
        }
        let manifest = Manifest(
            queues: [QueueConfig(name: "jobs")],
            functions: [FunctionConfig(name: "record", handler: "Record", trigger: TriggerConfig(queue: "jobs"),
                                       scale: ScaleConfig(minWorkers: 3, maxWorkers: 3))]
        )
        let host = try TestHost(manifest: manifest, registry: registry)
        try await host.settle()
        #expect(calls.withLock { $0 } == 3)
        #expect(host.metrics().coldStarts == 3)
        #expect(host.host.events.recent(kind: .coldStart).count == 3)
        await host.shutdown()
    }

    @Test("the batching window gathers messages sent within it into one invocation")
    func batchingWindow() async throws {
        final class Sizes: Sendable { let sizes = Mutex<[Int]>([]) }
        let sizes = Sizes()
        struct Adapter: QueueFunction {
            typealias Message = Job
            let sizes: Sizes
            func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
                sizes.sizes.withLock { $0.append(batch.count) }
            }
        }
        let host = try TestHost(
            function: Adapter(sizes: sizes), queue: QueueConfig(name: "jobs"), batchSize: 5, batchingWindow: .seconds(2)
        )
        try await host.send(Job(number: 1), to: "jobs")
        while host.clock.sleeperCount == 0 { await Task.yield() }
        try await host.send(Job(number: 2), to: "jobs")
        #expect(sizes.sizes.withLock { $0 }.isEmpty)
        host.clock.advance(by: .seconds(2))
        try await host.settle()
        #expect(sizes.sizes.withLock { $0 } == [2])
        await host.shutdown()
    }

    @Test("a raw-body handler receives the bytes untouched")
    func rawBody() async throws {
        final class Bodies: Sendable { let all = Mutex<[Data]>([]) }
        struct Raw: MessageFunction {
            typealias Message = RawBody
            let bodies: Bodies
            func handle(_ message: RawBody, metadata: MessageMetadata, context: FunctionContext) async throws {
                bodies.all.withLock { $0.append(message.bytes) }
            }
        }
        let bodies = Bodies()
        let host = try TestHost(function: Raw(bodies: bodies), queue: QueueConfig(name: "raw"))
        try await host.send(body: Data([0xff, 0x00, 0x41]), to: "raw")
        try await host.settle()
        #expect(bodies.all.withLock { $0 } == [Data([0xff, 0x00, 0x41])])
        await host.shutdown()
    }
}
