import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// `context.publish` goes through the invocation's outbox: its copies commit with the
/// batch's acks, so a failed batch publishes nothing and its retry publishes once.
@Suite("Publishing from a handler")
struct ContextPublishTests {
    struct HandlerFailure: Error {}

    /// Publishes each job to `events` (as an order, from the EU), then fails the first invocation only.
    struct Publisher: QueueFunction {
        typealias Message = Job
        let invocations: Invocations

        func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
            for item in batch {
                try await context.publish(item.message, to: "events", attributes: ["type": "order", "region": "eu-west"])
            }
            if invocations.count.add(1, ordering: .relaxed).newValue == 1 { throw HandlerFailure() }
        }
    }

    final class Invocations: Sendable {
        let count = Atomic<Int>(0)
    }

    @Test("a failing batch publishes nothing; its successful retry puts one copy in each matching queue", arguments: StoreEngine.all)
    func publishCommitsWithTheAcks(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let invocations = Invocations()
        var registry = FunctionRegistry()
        registry.register("Publisher", Publisher(invocations: invocations))
        let manifest = try loadManifest("""
            {"queues": [{"name": "jobs", "visibility_timeout": "5m"}, {"name": "audit"}, {"name": "eu-orders"}, {"name": "us-orders"}],
             "functions": [{"name": "publish", "handler": "Publisher", "trigger": {"queue": "jobs", "batch_size": 1},
                            "timeout": "1m", "retry": {"initial_delay": "1s", "jitter": 0},
                            "scale": {"min_workers": 1, "max_workers": 1}}],
             "topics": [{"name": "events", "subscriptions": [
                {"queue": "audit"},
                {"queue": "eu-orders", "filter": {"type": ["order"], "region": [{"prefix": "eu-"}]}},
                {"queue": "us-orders", "filter": {"region": [{"prefix": "us-"}]}}]}]}
            """, handlers: ["Publisher"]).manifest
        let host = try FunctionHost(manifest: manifest, registry: registry, store: store, clock: clock, logger: .disabled)
        host.startFixedPools()
        let running = Task { await host.run() }
        try await store.send(Data(#"{"number": 7}"#.utf8), to: "jobs")

        try await eventually("the failed first invocation") {
            guard invocations.count.load(ordering: .relaxed) == 1 else { return false }
            return try await store.stats(for: "jobs").delayed == 1
        }
        for queue in ["audit", "eu-orders", "us-orders"] {
            #expect(try await store.stats(for: queue).total == 0, "the failed batch published to \(queue)")
        }
        clock.advance(by: .seconds(1))
        try await eventually("the retry to succeed") { try await store.stats(for: "jobs").total == 0 }
        #expect(try await store.stats(for: "audit").total == 1)
        #expect(try await store.stats(for: "eu-orders").total == 1)
        #expect(try await store.stats(for: "us-orders").total == 0, "the filter keeps the EU order out")
        let copy = try #require(try await store.peek("eu-orders", limit: 1).first)
        #expect(String(decoding: copy.body, as: UTF8.self) == #"{"number":7}"#)
        host.stop()
        await running.value
        await store.close()
    }

    /// Publishes each job to `events`.
    struct PlainPublisher: QueueFunction {
        typealias Message = Job

        func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
            for item in batch { try await context.publish(item.message, to: "events") }
        }
    }

    static func reloadManifest(subscribers: [String]) throws -> Manifest {
        let subscriptions = subscribers.map { #"{"queue": "\#($0)"}"# }.joined(separator: ", ")
        return try loadManifest("""
            {"queues": [{"name": "jobs"}, {"name": "first"}, {"name": "second"}],
             "functions": [{"name": "publish", "handler": "PlainPublisher", "trigger": {"queue": "jobs"},
                            "scale": {"min_workers": 1, "max_workers": 1}}],
             "topics": [{"name": "events", "subscriptions": [\(subscriptions)]}]}
            """, handlers: ["PlainPublisher"]).manifest
    }

    @Test("a reload that changes a topic reaches the function it leaves running")
    func reloadedTopicsReachRunningFunctions() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        var registry = FunctionRegistry()
        registry.register("PlainPublisher", PlainPublisher())
        let host = try FunctionHost(manifest: try Self.reloadManifest(subscribers: ["first"]), registry: registry, store: store,
                                    clock: clock, logger: .disabled)
        host.startFixedPools()
        let running = Task { await host.run() }
        try await store.send(Data(#"{"number": 1}"#.utf8), to: "jobs")
        try await eventually("the first publish") { try await store.stats(for: "first").total == 1 }

        let change = try host.apply(try Self.reloadManifest(subscribers: ["first", "second"]))
        #expect(change.changed.isEmpty && change.added.isEmpty, "the function itself did not change: \(change)")
        try await store.send(Data(#"{"number": 2}"#.utf8), to: "jobs")
        try await eventually("the second publish") { try await store.stats(for: "jobs").total == 0 }
        #expect(try await store.stats(for: "first").total == 2)
        #expect(try await store.stats(for: "second").total == 1, "the running function publishes to the new subscription")
        host.stop()
        await running.value
        await store.close()
    }
}
