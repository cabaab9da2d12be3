import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// A stop while the receiver backs off from a failing store: it ends at once when there
/// is nothing to settle, and waits (without spinning) while finished work is held.
@Suite("Stop during a store backoff")
struct StopDuringBackoffTests {
    private static let queue = QueueConfig(name: "jobs", visibilityTimeout: .seconds(60))

    @Test("receives failing, nothing handled: a stop returns without the clock moving")
    func stopEndsAnEmptyBackoff() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FailingStoreForTests(memory)
        store.set { $0.receive = storeBusy }
        let host = try recordingHost(store, recorder: Recorder(), clock: clock, queue: Self.queue)
        try await memory.send([OutgoingMessage(body: Data(#"{"number": 1}"#.utf8))], to: "jobs")
        // The receiver has failed and waits out its backoff on the clock, which never moves.
        #expect(try await becomesTrue { store.callCounts.failed >= 1 && clock.sleeperCount >= 1 })
        let runner = host.runner
        let stopped = await returnsWithin(.seconds(10)) { await host.shutdown() }
        #expect(stopped, "a stop waited out a backoff with nothing to settle: \(runner.stateDescription)")
        #expect(try await memory.stats(for: "jobs").visible == 1, "the message stays for the next host")
    }

    @Test("settles failing with a handled batch held: a stop waits for them on the clock, without spinning, and they apply")
    func stopKeepsHeldSettlements() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FailingStoreForTests(memory)
        let recorder = Recorder()
        let host = try recordingHost(store, recorder: recorder, clock: clock, queue: Self.queue)
        store.set { $0.settle = storeBusy }
        try await memory.send((0..<3).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }, to: "jobs")
        #expect(try await becomesTrue { recorder.count == 3 && store.callCounts.settle >= 1 && clock.sleeperCount >= 1 })

        let stopped = Mutex(false)
        Task {
            await host.shutdown()
            stopped.withLock { $0 = true }
        }
        await letRun()
        // The store keeps failing for 5 more seconds while the host stops: each retry still
        // waits out its backoff (100 ms doubling), a handful of calls, not a spin.
        let settlesAtStop = store.callCounts.settle
        try await advanceWhileBackingOff(clock, seconds: 5)
        let retries = store.callCounts.settle - settlesAtStop
        #expect(retries >= 1 && retries <= 6, "settle calls in 5 s of a failing store while stopping: \(retries)")
        #expect(try await memory.stats(for: "jobs").inFlight == 3, "the handled batch is still held, not dropped")
        #expect(!stopped.withLock { $0 }, "the stop returned with handled messages unsettled")

        store.set { $0.settle = nil }
        try await advanceWhileBackingOff(clock, seconds: 11) { stopped.withLock { $0 } }
        #expect(try await becomesTrue { stopped.withLock { $0 } }, "the stop did not finish after the store recovered: \(host.runner.stateDescription)")
        #expect(try await memory.stats(for: "jobs").total == 0)
        #expect(recorder.count == 3, "the batch ran again")
    }

    /// Advances `clock` a second at a time, each step once the receiver waits on it (the
    /// only sleeper here is its backoff, so no step passes before the backoff has begun),
    /// until `done`.
    private func advanceWhileBackingOff(
        _ clock: ManualClock, seconds: Int, until done: () -> Bool = { false }
    ) async throws {
        for _ in 0..<seconds where !done() {
            _ = try await becomesTrue(.seconds(5)) { clock.sleeperCount >= 1 || done() }
            clock.advance(by: .seconds(1))
            await letRun()
        }
    }
}
