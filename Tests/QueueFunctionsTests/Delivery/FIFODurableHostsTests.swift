import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres
import QueueFunctionsTesting

/// FIFO queues on the durable engines through whole hosts: SQLite with 8 workers, and two
/// hosts sharing one PostgreSQL database.
@Suite("Delivery options: FIFO across hosts", .serialized)
struct FIFODurableHostsTests {
    /// Runs one host per store until `recorder` has seen `total` successes, then stops them.
    private func run(stores: [any QueueStore], clock: ManualClock, workersPerHost: Int, recorder: FIFORecorder,
                     function: FIFOFunction, total: Int) async throws {
        let hosts = try stores.map { store in
            try FunctionHost(
                manifest: FIFOFixture.manifest(workers: workersPerHost), registry: FIFOFixture.registry(function), store: store,
                clock: clock, logger: QueueLogger(level: .error, sink: CapturingLogSink(), clock: clock), random: { 0 }
            )
        }
        let tasks = hosts.map { host in
            host.startFixedPools()
            return Task { await host.run() }
        }
        let done = try await eventually(.seconds(300)) { recorder.succeeded == total }
        for host in hosts { host.stopNow() }
        for task in tasks { await task.value }
        #expect(done, "only \(recorder.succeeded) of \(total) messages were handled")
    }

    @Test("SQLite: 10 groups × 1,000 messages through 8 workers in exact order per group, no overlap")
    func sqliteEightWorkers() async throws {
        let clock = ManualClock()
        let store = try await TemporarySQLiteStore(clock: clock)
        let recorder = FIFORecorder()
        let failing = FIFOJob(group: "g7", seq: 999)
        let function = FIFOFunction(recorder: recorder, failing: failing, failures: 1)
        try await FIFOFixture.send(groups: 10, perGroup: 1_000, to: store)
        try await run(stores: [store], clock: clock, workersPerHost: 8, recorder: recorder, function: function, total: 10_000)
        FIFOFixture.expectExactOrder(recorder, groups: 10, perGroup: 1_000, failing: failing, failures: 1)
        #expect(try await store.stats(for: "orders").total == 0)
        await store.close()
    }

    @Test("PostgreSQL: 10 groups × 1,000 messages through 2 hosts of 4 workers on one database, exact order, no overlap")
    func postgresTwoHosts() async throws {
        let clock = ManualClock()
        let first = try await TemporaryPostgresStore(clock: clock, connections: 4)
        let second = try await PostgresQueueStore(url: first.url, options: .init(connections: 4, time: .clock(clock)))
        let recorder = FIFORecorder()
        let failing = FIFOJob(group: "g2", seq: 10)
        let function = FIFOFunction(recorder: recorder, failing: failing, failures: 2)
        try await FIFOFixture.send(groups: 10, perGroup: 1_000, to: first)
        try await run(stores: [first, second], clock: clock, workersPerHost: 4, recorder: recorder, function: function, total: 10_000)
        FIFOFixture.expectExactOrder(recorder, groups: 10, perGroup: 1_000, failing: failing, failures: 2)
        #expect(try await first.stats(for: "orders").total == 0)
        await second.close()
        await first.close()
    }
}
