import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// The function's receiver: one store step leases for every idle worker (and one batch
/// ahead for each running worker), finished batches are settled with the next lease, an
/// idle function waits on one wake-up, and a store with several connections gets several
/// steps in flight.
@Suite("Receiver: one lease for every idle worker")
struct ReceiverTests {
    @Test("40 messages sent at once to 4 idle workers are leased in one store step and run as 4 batches of 10")
    func oneStepForAllIdleWorkers() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock))
        let log = BatchLog()
        let host = try receiverHost(log, store: store, clock: clock, workers: 4)
        #expect(try await becomesTrue { host.host.isQuiescent && host.metrics.workers == 4 })
        let before = store.snapshot.steps.count
        try await store.send(numberedMessages(0..<40), to: "jobs")
        #expect(try await becomesTrue { log.handled.count == 40 })
        let leasing = store.snapshot.steps.dropFirst(before).filter { $0.leased > 0 }
        #expect(leasing.first?.leased == 40, "the first step after the send leased \(leasing.first?.leased ?? 0) of 40")
        #expect(leasing.count == 1)
        #expect(log.sizes == [10, 10, 10, 10])
        #expect(log.handled.values.allSatisfy { $0 == 1 })
        await host.shutdown()
        #expect(try await store.stats(for: "jobs").total == 0)
    }

    @Test("8 idle workers wait for messages through one waiter, and a send wakes them")
    func oneWaiterPerFunction() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock))
        let log = BatchLog()
        let host = try receiverHost(log, store: store, clock: clock, workers: 8)
        #expect(try await becomesTrue { host.host.isQuiescent && host.metrics.workers == 8 && store.snapshot.waiting == 1 })
        await letRun()
        #expect(store.snapshot.mostWaiting == 1, "tasks waiting for messages at once: \(store.snapshot.mostWaiting)")
        try await store.send(numberedMessages(0..<5), to: "jobs")
        #expect(try await becomesTrue { log.handled.count == 5 })
        await host.shutdown()
    }

    @Test("a running worker has its next batch leased ahead; the backlog is handled once each")
    func prefetchesOneBatchAhead() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock))
        let log = BatchLog(hold: "0")
        let host = try receiverHost(log, store: store, clock: clock, workers: 1)
        #expect(try await becomesTrue { host.metrics.workers == 1 })
        try await store.send(numberedMessages(0..<30), to: "jobs")
        // Batch 0–9 is held in its handler; 10–19 wait leased for the worker.
        #expect(try await becomesTrue { try await store.stats(for: "jobs").inFlight == 20 })
        #expect(try await store.stats(for: "jobs").visible == 10)
        log.release()
        #expect(try await becomesTrue { log.handled.count == 30 })
        #expect(log.handled.values.allSatisfy { $0 == 1 })
        await host.shutdown()
        #expect(try await store.stats(for: "jobs").total == 0)
    }

    @Test("a store that asks for 4 batches ahead gets them for a running worker")
    func prefetchesWhatTheStoreAsks() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock), prefetch: 4)
        let log = BatchLog(hold: "0")
        let host = try receiverHost(log, store: store, clock: clock, workers: 1)
        #expect(try await becomesTrue { host.metrics.workers == 1 })
        try await store.send(numberedMessages(0..<70), to: "jobs")
        #expect(try await becomesTrue { try await store.stats(for: "jobs").inFlight == 50 })
        #expect(try await store.stats(for: "jobs").visible == 20)
        log.release()
        #expect(try await becomesTrue { log.handled.count == 70 })
        #expect(log.handled.values.allSatisfy { $0 == 1 })
        await host.shutdown()
    }

    @Test("when workers retire, the batches leased ahead for them go back to the queue, and every message is handled once")
    func excessGoesBackWhenWorkersRetire() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock), prefetch: 2)
        let log = BatchLog(holdEvery: true)
        let host = try receiverHost(log, store: store, clock: clock, workers: 4)
        #expect(try await becomesTrue { host.metrics.workers == 4 })
        try await store.send(numberedMessages(0..<200), to: "jobs")
        // 4 batches held in handlers, 2 ahead for each of the 4 workers.
        #expect(try await becomesTrue { try await store.stats(for: "jobs").inFlight == 120 })
        host.runner.setWorkerCount(1)
        // The 3 retiring workers still hold their batches; 2 batches ahead stay for the one left.
        #expect(try await becomesTrue { try await store.stats(for: "jobs").inFlight == 60 })
        #expect(try await store.stats(for: "jobs").visible == 140)
        log.release()
        #expect(try await becomesTrue { log.handled.count == 200 })
        #expect(log.handled.values.allSatisfy { $0 == 1 })
        await host.shutdown()
        #expect(try await store.stats(for: "jobs").total == 0)
    }

    @Test("batches lease fewer ahead as they slow down, none once one batch takes a tenth of the visibility timeout")
    func prefetchDepthFollowsBatchTime() {
        let limit = Duration.seconds(3)
        #expect(FunctionRunner.prefetchDepth(store: 16, lastBatch: .zero, limit: limit) == 16)
        #expect(FunctionRunner.prefetchDepth(store: 16, lastBatch: .milliseconds(20), limit: limit) == 16)
        #expect(FunctionRunner.prefetchDepth(store: 16, lastBatch: .seconds(1), limit: limit) == 3)
        #expect(FunctionRunner.prefetchDepth(store: 16, lastBatch: .seconds(3), limit: limit) == 1)
        #expect(FunctionRunner.prefetchDepth(store: 16, lastBatch: .seconds(4), limit: limit) == 0)
        #expect(FunctionRunner.prefetchDepth(store: 0, lastBatch: .zero, limit: limit) == 0)
    }

    @Test("with a batching window nothing is leased ahead of the worker")
    func noPrefetchWithBatchingWindow() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock))
        let log = BatchLog(hold: "0")
        let host = try receiverHost(log, store: store, clock: clock, workers: 1, batchingWindow: .seconds(1))
        #expect(try await becomesTrue { host.metrics.workers == 1 })
        try await store.send(numberedMessages(0..<30), to: "jobs")
        #expect(try await becomesTrue { log.sizes.count == 1 })
        await letRun()
        let stats = try await store.stats(for: "jobs")
        #expect(stats.inFlight == 10 && stats.visible == 20,
                "in flight \(stats.inFlight), visible \(stats.visible), batches so far \(log.sizes)")
        log.release()
        #expect(try await becomesTrue { log.handled.count == 30 })
        await host.shutdown()
    }

    @Test("a store of 3 lanes gets 3 steps in flight, never more, and each message is handled once", arguments: [1, 3])
    func lanesInFlight(_ lanes: Int) async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock), lanes: lanes, holdUntilLanesBusy: true)
        let log = BatchLog()
        let host = try receiverHost(log, store: store, clock: clock, workers: 6)
        #expect(try await becomesTrue { host.metrics.workers == 6 })
        try await store.send(numberedMessages(0..<600), to: "jobs")
        #expect(try await becomesTrue(.seconds(30)) { log.handled.count == 600 })
        #expect(store.snapshot.mostInFlight == lanes)
        #expect(log.handled.values.allSatisfy { $0 == 1 })
        await host.shutdown()
        #expect(try await store.stats(for: "jobs").total == 0)
    }

    @Test("a stop ends every lane: 4 lanes and 1 worker, the host returns and leaves nothing leased")
    func stopEndsEveryLane() async throws {
        let clock = ManualClock()
        let store = ObservingStore(MemoryQueueStore(clock: clock), lanes: 4)
        let log = BatchLog()
        let host = try receiverHost(log, store: store, clock: clock, workers: 1)
        try await store.send(numberedMessages(0..<25), to: "jobs")
        #expect(try await becomesTrue { log.handled.count == 25 && host.host.isQuiescent })
        let stopped = await returnsWithin(.seconds(10)) { await host.shutdown() }
        #expect(stopped, "the host did not return from a stop within 10 s")
        #expect(try await store.stats(for: "jobs").total == 0)
    }
}
