import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// What a handler sends through its context commits with its batch's acks, on every engine.
@Suite("Transactional outbox in the dispatcher")
struct TransactionalOutboxTests {
    struct HandlerFailure: Error {}

    /// Sends two messages per item, then fails the first invocation only.
    struct FanOut: QueueFunction {
        typealias Message = Job
        let invocations: Invocations

        func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
            for item in batch {
                try await context.send(Job(number: item.message.number * 10), to: "fan-out")
                try await context.send(Job(number: item.message.number * 10 + 1), to: "fan-out")
            }
            if invocations.count.add(1, ordering: .relaxed).newValue == 1 { throw HandlerFailure() }
        }
    }

    final class Invocations: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Every engine, and the memory engine behind the testing product's `FaultyStore` (no faults).
    static let engines = StoreEngine.all + [
        StoreEngine(name: "memory behind FaultyStore") { clock in
            FaultyStore(wrapping: MemoryQueueStore(clock: clock), faults: StoreFaults(seed: 1, clock: clock))
        },
    ]

    @Test("a failing batch's fan-out is seen by nobody; after its retry succeeds the fan-out is there exactly once",
          arguments: engines)
    func fanOutCommitsWithTheAcks(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let invocations = Invocations()
        var registry = FunctionRegistry()
        registry.register("FanOut", FanOut(invocations: invocations))
        let manifest = try loadManifest("""
            {"queues": [{"name": "jobs", "visibility_timeout": "5m"}, {"name": "fan-out"}],
             "functions": [{"name": "fan", "handler": "FanOut", "trigger": {"queue": "jobs", "batch_size": 1},
                            "timeout": "1m", "retry": {"initial_delay": "1s", "jitter": 0},
                            "scale": {"min_workers": 1, "max_workers": 1}}]}
            """, handlers: ["FanOut"]).manifest
        let host = try FunctionHost(manifest: manifest, registry: registry, store: store, clock: clock, logger: .disabled)
        host.startFixedPools()
        let running = Task { await host.run() }
        try await store.send(Data(#"{"number": 7}"#.utf8), to: "jobs")

        try await eventually("the failed first invocation") {
            guard invocations.count.load(ordering: .relaxed) == 1 else { return false }
            return try await store.stats(for: "jobs").delayed == 1
        }
        #expect(try await store.stats(for: "fan-out").total == 0, "the failed batch's sends were stored")

        clock.advance(by: .seconds(1))
        try await eventually("the retry to succeed") { try await store.stats(for: "jobs").total == 0 }
        let fanned = try await store.peek("fan-out", limit: 10).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(fanned.sorted() == [#"{"number":70}"#, #"{"number":71}"#], "\(fanned)")
        #expect(invocations.count.load(ordering: .relaxed) == 2)
        host.stop()
        await running.value
        await store.close()
    }
}
