import Foundation
import Synchronization
import Testing
import QueueFunctions
import QueueFunctionsTesting
import QueueFunctionsSQLite

/// Counts how often each message was handled.
private final class Deliveries: Sendable {
    private let counts = Mutex<[Int: Int]>([:])

    func record(_ number: Int) { counts.withLock { $0[number, default: 0] += 1 } }
    var handled: Set<Int> { Set(counts.withLock { $0.keys }) }
    /// Handlings beyond the first, over every message.
    var duplicates: Int { counts.withLock { $0.values.reduce(0) { $0 + $1 - 1 } } }
}

private struct CountingFunction: MessageFunction {
    typealias Message = Job
    let deliveries: Deliveries

    func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
        deliveries.record(message.number)
    }
}

@Suite("Chaos")
struct ChaosTests {
    static let messages = 10_000
    static let batchSize = 10

    private func startHost(faults: StoreFaults, deliveries: Deliveries, clock: ManualClock) throws -> TestHost {
        try TestHost(
            function: CountingFunction(deliveries: deliveries),
            // A high max_receive_count: under injected faults a message may be received a few
            // extra times, and this test is about losing nothing, not about dead-lettering.
            queue: QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq", maxReceiveCount: 50, visibilityTimeout: .seconds(30)),
            batchSize: Self.batchSize, workers: 4, timeout: .seconds(10),
            retry: RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(1), jitter: 0), clock: clock, storeFaults: faults
        )
    }

    /// Sends straight to the memory store, so the producer side is not under test.
    private func sendAll(_ host: TestHost) async throws {
        for chunk in stride(from: 0, to: Self.messages, by: 500) {
            let batch = (chunk..<min(chunk + 500, Self.messages)).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }
            try await host.store.send(batch, to: "jobs")
        }
    }

    /// Settles, then moves the clock a second at a time until the queue is empty.
    private func drain(_ host: TestHost, limit: Duration = .seconds(600)) async throws {
        // A safety net, not a speed test: the whole suite runs heavy tests side by side on 2 cores.
        try await host.settle(limit: .seconds(120))
        var elapsed = Duration.zero
        while try await host.stats("jobs").total > 0, elapsed < limit {
            // A worker may be pausing on the clock (a settle backing off): only moving the clock
            // ends that, so a settle that does not go quiet is not an error here. The outcome
            // assertions after the drain say whether anything was lost.
            host.clock.advance(by: .seconds(1))
            _ = try? await host.settle(limit: .seconds(5))
            elapsed += .seconds(1)
        }
    }

    @Test("10,000 messages, 4 workers, 5% of store calls failing and 1% of leases lapsing: every message handled, none lost, duplicates bounded")
    func failingStore() async throws {
        let clock = ManualClock()
        let faults = StoreFaults(seed: 2026, clock: clock, [
            .failure(.unavailable, of: .all, when: .rate(0.05)),
            .lapsedLease(when: .rate(0.01)),
        ])
        let deliveries = Deliveries()
        let host = try startHost(faults: faults, deliveries: deliveries, clock: clock)
        try await sendAll(host)
        try await drain(host)

        let counts = faults.counts
        #expect(counts.failures > 0)
        #expect(counts.lapsedLeases > 0)
        // Every message was handled at least once, and every one was acked: none is left
        // in the queue and none was dead-lettered.
        #expect(deliveries.handled == Set(0..<Self.messages))
        #expect(try await host.stats("jobs").total == 0)
        #expect(try await host.deadLetters(of: "jobs").isEmpty)
        // A message is handled again only when its lease lapsed under the first handling,
        // or when the settlement of its batch failed: at most one batch per failed settle.
        let failedSettles = counts.failures(of: .settle)
        #expect(deliveries.duplicates <= counts.lapsedLeases + Self.batchSize * failedSettles)
        await host.shutdown()
    }

    @Test("chaos over SQLite, every 8th store call failing and 1% of leases lapsing: every message handled, none lost, duplicates bounded")
    func failingSQLiteStore() async throws {
        let clock = ManualClock()
        let sqlite = try await TemporarySQLiteStore(clock: clock)
        // SQLite's receiver leases for every idle worker and the next batches in one call, so
        // 10,000 messages take only 40-70 store calls: a 5% rate left some runs without a
        // single failure (and the test without its chaos). Every 8th call fails instead.
        let faults = StoreFaults(seed: 2026, clock: clock, [
            .failure(.busy, of: .all, when: .every(8)),
            .lapsedLease(when: .rate(0.01)),
        ])
        let deliveries = Deliveries()
        var registry = FunctionRegistry()
        registry.register("Counting", CountingFunction(deliveries: deliveries))
        let queue = QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq", maxReceiveCount: 50, visibilityTimeout: .seconds(30))
        let manifest = Manifest(
            queues: [queue, QueueConfig(name: "jobs-dlq")],
            functions: [FunctionConfig(
                name: "counting", handler: "Counting", trigger: TriggerConfig(queue: "jobs", batchSize: Self.batchSize),
                timeout: .seconds(10), retry: RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(1), jitter: 0),
                scale: ScaleConfig(minWorkers: 4, maxWorkers: 4)
            )]
        )
        let host = try FunctionHost(
            manifest: manifest, registry: registry, store: FaultyStore(wrapping: sqlite, faults: faults), clock: clock,
            logger: .disabled, random: { 0 }
        )
        host.startFixedPools()
        let running = Task { await host.run() }
        for chunk in stride(from: 0, to: Self.messages, by: 500) {
            let batch = (chunk..<min(chunk + 500, Self.messages)).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }
            try await sqlite.send(batch, to: "jobs")
        }
        // Wait (bounded, real time) for the workers to park, then move the clock a second.
        var seconds = 0
        while try await sqlite.stats(for: "jobs").total > 0, seconds < 600 {
            let giveUp = Date().addingTimeInterval(30)
            while !host.isQuiescent, Date() < giveUp { try await Task.sleep(for: .milliseconds(2)) }
            if try await sqlite.stats(for: "jobs").total == 0 { break }
            clock.advance(by: .seconds(1))
            seconds += 1
        }
        host.stop()
        await running.value
        let counts = faults.counts
        #expect(counts.failures > 0)
        #expect(deliveries.handled == Set(0..<Self.messages))
        #expect(try await sqlite.stats(for: "jobs").total == 0)
        #expect(try await sqlite.peek("jobs-dlq", limit: 10).isEmpty)
        #expect(deliveries.duplicates <= counts.lapsedLeases + Self.batchSize * counts.failures(of: .settle))
        await sqlite.close()
    }

    @Test("finished work survives a failing settle: duplicates come only from lapsed leases")
    func settlementsAreKept() async throws {
        let clock = ManualClock()
        let faults = StoreFaults(seed: 2026, clock: clock, [
            .failure(.unavailable, of: .all, when: .rate(0.05)),
            .lapsedLease(when: .rate(0.01)),
        ])
        let deliveries = Deliveries()
        let host = try startHost(faults: faults, deliveries: deliveries, clock: clock)
        try await sendAll(host)
        try await drain(host)
        #expect(deliveries.handled == Set(0..<Self.messages))
        #expect(try await host.stats("jobs").total == 0)
        // Settlements that failed are kept and retried (lease tokens make that idempotent),
        // so the only second handlings are those of leases made to lapse under a handler.
        #expect(deliveries.duplicates <= faults.counts.lapsedLeases)
        await host.shutdown()
    }

    @Test("a store failing every call for 10 s gets a few calls per second per function, and the host recovers by itself")
    func outage() async throws {
        let clock = ManualClock()
        let faults = StoreFaults(seed: 7, clock: clock)
        let deliveries = Deliveries()
        let host = try startHost(faults: faults, deliveries: deliveries, clock: clock)
        faults.beginOutage()
        try await sendAll(host)
        let before = faults.counts.calls
        for _ in 0..<100 {
            try await host.advance(by: .milliseconds(100))
        }
        let calls = faults.counts.calls - before
        // One function: at most 5 calls a second over the 10 s, whatever its worker count.
        #expect(calls <= 50, "the host made \(calls) store calls in a 10 s outage")
        faults.endOutage()
        try await drain(host)
        #expect(deliveries.handled == Set(0..<Self.messages))
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }
}
