import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// No error path spins, and no error path throws finished work away.
@Suite("Dispatcher failure paths")
struct DispatcherFailurePathTests {
    @Test("a throwing handler factory with 50 waiting messages backs off on the clock: a bounded number of calls per minute")
    func throwingFactoryBacksOff() async throws {
        let calls = Mutex(0)
        let healthy = Switch(false)
        let recorder = Recorder()
        var registry = FunctionRegistry()
        registry.register("Broken") { () throws -> RecordingFunction in
            calls.withLock { $0 += 1 }
            guard healthy.isOn else { throw HandlerFailure(description: "API_KEY is not set") }
            return RecordingFunction(recorder: recorder)
        }
        let clock = ManualClock()
        let start = clock.now()
        let store = MemoryQueueStore(clock: clock)
        try await store.send((0..<50).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }, to: "jobs")
        let host = try FailurePathHost(
            function: failurePathFunction(handler: "Broken", queue: "jobs", workers: 2),
            queue: QueueConfig(name: "jobs"), registry: registry, store: store, clock: clock
        )
        for second in 0..<60 {
            // Both workers are paused on the clock before it moves: nothing spins.
            let paused = try await becomesTrue(.seconds(5)) { clock.sleeperCount >= 2 }
            guard paused else {
                Issue.record("workers did not pause on the clock at second \(second); factory calls so far: \(calls.withLock { $0 })")
                break
            }
            clock.advance(by: .seconds(1))
            await letRun()
        }
        // 1s, 2s, 4s, 8s, 16s, 30s: six tries per worker in a minute, plus the first.
        let made = calls.withLock { $0 }
        #expect(made >= 2 && made <= 14, "factory calls in one minute: \(made)")
        #expect(host.lines(containing: "handler factory failed").count == made, "one log line per backoff step")
        #expect(host.lines(containing: "retries after 1s").count == 2)
        #expect(host.lines(containing: "retries after 30s").count >= 1)
        let failure = try #require(host.metrics.factoryFailure)
        #expect(failure.since == start)
        #expect(failure.error.contains("API_KEY is not set"))
        #expect(host.metrics.workers == 0, "a worker whose handler never started is not live")
        #expect(try await store.stats(for: "jobs").visible == 50)

        healthy.set(true)
        await advance(clock, seconds: 31)
        #expect(try await becomesTrue { recorder.count == 50 })
        #expect(host.metrics.factoryFailure == nil)
        #expect(host.metrics.workers == 2)
        await host.shutdown()
    }

    @Test("a failing receive backs off on the clock and recovers by itself")
    func failingReceiveBacksOff() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FailingStoreForTests(memory)
        store.set { $0.receive = storeBusy }
        try await memory.send((0..<5).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }, to: "jobs")
        let recorder = Recorder()
        let host = try recordingHost(store, recorder: recorder, clock: clock)
        #expect(try await becomesTrue { store.callCounts.receive >= 1 })
        await letRun()
        let early = store.callCounts.receive
        #expect(early <= 2, "receive calls before the clock moved: \(early)")
        for _ in 0..<60 {
            _ = try await becomesTrue(.seconds(5)) { clock.sleeperCount >= 1 }
            clock.advance(by: .seconds(1))
            await letRun()
        }
        let calls = store.callCounts.receive
        // 100ms doubling to 10s: at most one try per advanced second, far fewer once the delay passes 1s.
        #expect(calls <= 20, "receive calls in one minute: \(calls)")
        #expect(host.lines(containing: "store call failed").count == store.callCounts.failed)
        #expect(host.metrics.storeFailure?.error.contains("database is locked") == true)

        store.set { $0.receive = nil }
        await advance(clock, seconds: 11)
        #expect(try await becomesTrue { recorder.count == 5 })
        #expect(host.metrics.storeFailure == nil)
        #expect(!host.lines(containing: "store calls succeed again").isEmpty)
        await host.shutdown()
    }

    @Test("settling a handled batch fails while the store is busy: the settlements are kept, and the batch never runs twice")
    func failingSettleKeepsFinishedWork() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FailingStoreForTests(memory)
        let recorder = Recorder()
        let host = try recordingHost(store, recorder: recorder, clock: clock, queue: QueueConfig(name: "jobs", visibilityTimeout: .seconds(30)))
        store.set { $0.settle = storeBusy }
        try await memory.send((0..<3).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }, to: "jobs")
        #expect(try await becomesTrue { recorder.count == 3 })
        await advance(clock, seconds: 5)
        #expect(store.callCounts.failed >= 2)
        #expect(try await memory.stats(for: "jobs").inFlight == 3)

        store.set { $0.settle = nil }
        // Well past the 30s lease: had the acks been thrown away, the batch would run again.
        await advance(clock, seconds: 40)
        #expect(recorder.count == 3, "the batch ran \(recorder.count / 3) times")
        #expect(try await memory.stats(for: "jobs").total == 0)
        #expect(host.metrics.succeeded == 3)
        #expect(host.metrics.droppedSettlements == 0)
        await host.shutdown()
    }

    @Test("settlements whose leases lapse while the store fails are dropped, counted and delivered again")
    func lapsedSettlementsAreDropped() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FailingStoreForTests(memory)
        let recorder = Recorder()
        let host = try recordingHost(store, recorder: recorder, clock: clock, queue: QueueConfig(name: "jobs", visibilityTimeout: .seconds(10)))
        store.set { $0.settle = storeBusy }
        try await memory.send((0..<2).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }, to: "jobs")
        #expect(try await becomesTrue { recorder.count == 2 })
        await advance(clock, seconds: 12)
        store.set { $0.settle = nil }
        await advance(clock, seconds: 12)
        #expect(try await becomesTrue { host.metrics.droppedSettlements == 2 })
        #expect(!host.lines(containing: "leases lapsed while the store failed").isEmpty)
        #expect(try await becomesTrue { recorder.count == 4 })
        #expect(try await becomesTrue { try await memory.stats(for: "jobs").total == 0 })
        await host.shutdown()
    }

    @Test("a fatal store error stops the host instead of looping, and the host reports it")
    func fatalStoreErrorStopsTheHost() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FailingStoreForTests(memory)
        let fatal = QueueStoreError(.unusableLocation, "the queue store /tmp/q.sqlite is damaged; restore it from a backup")
        store.set { $0.receive = fatal }
        let host = try recordingHost(store, recorder: Recorder(), clock: clock, workers: 3)
        #expect(try await becomesTrue { host.host.fatalStoreError != nil })
        #expect(host.host.fatalStoreError == fatal)
        #expect(host.host.isStopping)
        await host.waitForExit()
        #expect(store.callCounts.receive <= 3, "one failing call per worker, no loop: \(store.callCounts.receive)")
        #expect(!host.lines(containing: "retrying cannot fix").isEmpty)
    }
}
