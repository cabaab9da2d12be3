import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
import QueueFunctionsTesting

/// `context.once(key:)` under the real dispatcher: forced redeliveries run each body once.
@Suite("once(key:) in the dispatcher")
struct OnceKeyDispatchTests {
    /// Counts body runs per key.
    final class Runs: Sendable {
        private let counts = Mutex<[Int: Int]>([:])
        func run(_ number: Int) { counts.withLock { $0[number, default: 0] += 1 } }
        var total: Int { counts.withLock { $0.values.reduce(0, +) } }
        var keys: Int { counts.withLock { $0.count } }
        var mostPerKey: Int { counts.withLock { $0.values.max() ?? 0 } }
    }

    struct RedeliveryFailure: Error {}

    /// Runs the body under `once`, then fails the delivery until the message's receive `succeedOn`.
    struct CreatesInvoice: MessageFunction {
        typealias Message = BillingJob
        let runs: Runs
        let succeedOn: Int

        func handle(_ message: BillingJob, metadata: MessageMetadata, context: FunctionContext) async throws {
            let invoice = try await context.once(key: "invoice-\(message.number)") { () async throws -> String in
                runs.run(message.number)
                return "INV-\(message.number)"
            }
            #expect(invoice == "INV-\(message.number)", "a duplicate got another result")
            if metadata.receiveCount < succeedOn { throw RedeliveryFailure() }
        }
    }

    static func manifest(retryDelay: String) throws -> Manifest {
        try loadManifest("""
            {"queues": [{"name": "jobs", "max_receive_count": 5, "visibility_timeout": "5m"}],
             "functions": [{"name": "invoice", "handler": "CreatesInvoice", "trigger": {"queue": "jobs", "batch_size": 50},
                            "timeout": "1m", "retry": {"initial_delay": "\(retryDelay)", "max_delay": "2h", "jitter": 0},
                            "scale": {"min_workers": 4, "max_workers": 4}}]}
            """).manifest
    }

    static func sendJobs(_ store: any QueueStore, count: Int) async throws {
        for start in stride(from: 0, to: count, by: 100) {
            let messages = (start..<min(count, start + 100)).map { OutgoingMessage(body: Data(#"{"number": \#($0)}"#.utf8)) }
            try await store.send(messages, to: "jobs")
        }
    }

    @Test("1,000 messages each delivered 3 times run their once-bodies exactly 1,000 times", arguments: StoreEngine.all)
    func thousandTimesThree(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let runs = Runs()
        var registry = FunctionRegistry()
        registry.register("CreatesInvoice", CreatesInvoice(runs: runs, succeedOn: 3))
        let host = try FunctionHost(manifest: try Self.manifest(retryDelay: "0s"), registry: registry, store: store, clock: clock, logger: .disabled)
        host.startFixedPools()
        let running = Task { await host.run() }
        try await Self.sendJobs(store, count: 1_000)
        try await eventually("every message to succeed on its third delivery", within: .seconds(120)) {
            host.runner(named: "invoice")?.metrics.snapshot.succeeded == 1_000
        }
        let metrics = host.runner(named: "invoice")?.metrics.snapshot
        #expect(metrics?.retried == 2_000, "each message was delivered 3 times")
        #expect(runs.total == 1_000 && runs.keys == 1_000 && runs.mostPerKey == 1)
        #expect(try await store.peek("jobs-dlq", limit: 10).isEmpty)
        host.stop()
        await running.value
        await store.close()
    }

    @Test("on SQLite the keys survive a host restart: the bodies still run exactly 1,000 times")
    func acrossRestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let clock = ManualClock()
            let runs = Runs()
            // First host: runs every body once, then fails every delivery (retried in an hour).
            var first = FunctionRegistry()
            first.register("CreatesInvoice", CreatesInvoice(runs: runs, succeedOn: .max))
            let store = try await SQLiteQueueStore(path: path, clock: clock)
            let host = try FunctionHost(manifest: try Self.manifest(retryDelay: "1h"), registry: first, store: store, clock: clock, logger: .disabled)
            host.startFixedPools()
            let running = Task { await host.run() }
            try await Self.sendJobs(store, count: 1_000)
            try await eventually("every body to run once", within: .seconds(120)) { try await store.stats(for: "jobs").delayed == 1_000 }
            host.stop()
            await running.value
            await store.close()
            #expect(runs.total == 1_000)

            // Second host on the same file: the retries come due; two more deliveries each.
            clock.advance(by: .seconds(3600))
            var second = FunctionRegistry()
            second.register("CreatesInvoice", CreatesInvoice(runs: runs, succeedOn: 3))
            let reopened = try await SQLiteQueueStore(path: path, clock: clock)
            let restarted = try FunctionHost(
                manifest: try Self.manifest(retryDelay: "0s"), registry: second, store: reopened, clock: clock, logger: .disabled
            )
            restarted.startFixedPools()
            let runningAgain = Task { await restarted.run() }
            try await eventually("every message to succeed after the restart", within: .seconds(120)) {
                restarted.runner(named: "invoice")?.metrics.snapshot.succeeded == 1_000
            }
            #expect(runs.total == 1_000 && runs.mostPerKey == 1, "bodies ran \(runs.total) times")
            #expect(try await reopened.stats(for: "jobs").total == 0)
            restarted.stop()
            await runningAgain.value
            await reopened.close()
        }
    }

    @Test("a concurrent duplicate waits for the first run and gets its result")
    func concurrentDuplicateWaits() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let runs = Runs()
        var context = FunctionContext(functionName: "f", invocationID: "i", deadline: clock.now().adding(.seconds(60)),
                                      logger: .disabled, queues: QueueClient(store: store), clock: clock)
        context.onceStore = store
        let shared = context
        let started = Latch()
        let release = Latch()
        let first = Task {
            try await shared.once(key: "k") { () async throws -> Int in
                runs.run(1)
                started.open()
                await release.wait()
                return 7
            }
        }
        await started.wait()
        let duplicate = Task { try await shared.once(key: "k") { () async throws -> Int in runs.run(2); return 8 } }
        try await eventually("the duplicate to wait on the clock", within: .seconds(10)) { clock.sleeperCount == 1 }
        release.open()
        #expect(try await first.value == 7)
        clock.advance(by: .milliseconds(100))
        #expect(try await duplicate.value == 7)
        #expect(runs.total == 1)
    }

    @Test("once(key:) on a store without once-keys says which engines have them")
    func unsupported() async throws {
        let clock = ManualClock()
        let context = FunctionContext(functionName: "f", invocationID: "i", deadline: clock.now().adding(.seconds(60)),
                                      logger: .disabled, queues: QueueClient(store: MemoryQueueStore(clock: clock)), clock: clock)
        let error = await #expect(throws: OnceKeyError.self) { try await context.once(key: "k") {} }
        #expect(error?.description.contains("SQLite") == true)
    }
}
