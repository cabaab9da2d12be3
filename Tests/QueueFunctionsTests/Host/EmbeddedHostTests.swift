import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHost

/// The host embedded in a service of the user's own: built in code, run in a task,
/// stopped by cancelling that task.
@Suite("Embedded host")
struct EmbeddedHostTests {
    private func registry(ledger: DeliveryLedger, resource: CountingResource?, pause: Duration) -> FunctionRegistry {
        var registry = FunctionRegistry()
        if let resource {
            let key = registry.resource("counting-db") { resource.start() } close: { _ in resource.close() }
            registry.register("Ledger") { resources in
                LedgerFunction(ledger: ledger, pause: pause, connection: try resources[key])
            }
        } else {
            registry.register("Ledger") { LedgerFunction(ledger: ledger, pause: pause, connection: nil) }
        }
        return registry
    }

    private func send(_ count: Int, to queue: String, store: any QueueStore, from start: Int = 0) async throws -> [MessageID] {
        let messages = (start..<(start + count)).map { OutgoingMessage(body: Data(#"{"n":\#($0)}"#.utf8)) }
        for chunk in stride(from: 0, to: messages.count, by: 500) {
            try await store.send(Array(messages[chunk..<min(chunk + 500, messages.count)]), to: queue)
        }
        return messages.map(\.id)
    }

    @Test("on SQLite: started in a task it handles messages; cancelling the task stops it gracefully, nothing is lost, and the shared resource closes once after the last worker")
    func cancellationIsAGracefulStop() async throws {
        try await withTemporaryDirectory { directory in
            try Data(embeddedManifest().utf8).write(to: URL(fileURLWithPath: directory.path("functions.json")))
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"))
            let ledger = DeliveryLedger()
            let resource = CountingResource(ledger: ledger)
            let ids = try await send(2_000, to: "jobs", store: store)
            let service = try QueueFunctionsService(
                manifest: .file(directory.path("functions.json")), registry: registry(ledger: ledger, resource: resource, pause: .milliseconds(20)),
                store: store, options: .init(autoscale: false, logger: .disabled)
            )
            let running = Task { try await service.run() }
            try await eventually("the first batches") { ledger.handledCount >= 100 }
            running.cancel()
            try await running.value
            // Graceful: every batch that started finished, and the resource closed after the last of them.
            #expect(resource.starts.load(ordering: .relaxed) == 1)
            #expect(resource.closes.load(ordering: .relaxed) == 1)
            #expect(ledger.runningAtClose == 0)
            #expect(!ledger.ranAfterClose)
            let stats = try await store.stats(for: "jobs")
            #expect(stats.inFlight == 0, "a graceful stop hands back or settles every lease")
            #expect(ledger.handledCount < ids.count, "the stop came mid-stream")
            // Nothing lost: what was not handled is still queued, and a second run handles exactly that.
            #expect(ledger.handledCount + stats.visible == ids.count)
            let second = try QueueFunctionsService(
                manifest: .file(directory.path("functions.json")), registry: registry(ledger: ledger, resource: nil, pause: .zero),
                store: store, options: .init(autoscale: false, logger: .disabled)
            )
            let again = Task { try await second.run() }
            try await eventually("the rest of the backlog") { ledger.handledCount == ids.count }
            second.shutdown()
            try await again.value
            #expect(ledger.handled == Set(ids))
            #expect(ledger.duplicates == 0)
            await store.close()
        }
    }

    @Test("a shared resource that fails to start stops start-up with an error naming it, and no handler is created")
    func failingResourceStopsStartUp() async throws {
        struct Unreachable: Error, CustomStringConvertible { var description: String { "connection refused" } }
        let factoryCalls = Atomic<Int>(0)
        var registry = FunctionRegistry()
        let key = registry.resource("billing-db") { () async throws -> Int in throw Unreachable() }
        registry.register("Ledger") { resources in
            factoryCalls.add(1, ordering: .relaxed)
            _ = try resources[key]
            return LedgerFunction(ledger: DeliveryLedger(), pause: .zero, connection: nil)
        }
        let manifest = try loadManifest(embeddedManifest(), handlers: ["Ledger"]).manifest
        let service = try QueueFunctionsService(
            manifest: .value(manifest), registry: registry, store: MemoryQueueStore(), options: .init(logger: .disabled)
        )
        let error = await #expect(throws: FunctionHost.StartError.self) { try await service.run() }
        #expect(error?.description.contains("billing-db") == true, "\(String(describing: error))")
        #expect(error?.description.contains("connection refused") == true)
        #expect(factoryCalls.load(ordering: .relaxed) == 0)
    }

    @Test("shutdown() ends run() the same way as cancelling its task")
    func shutdownEndsRun() async throws {
        let ledger = DeliveryLedger()
        let store = MemoryQueueStore()
        let manifest = try loadManifest(embeddedManifest(), handlers: ["Ledger"]).manifest
        let service = try QueueFunctionsService(
            manifest: .value(manifest), registry: registry(ledger: ledger, resource: nil, pause: .zero), store: store,
            options: .init(logger: .disabled)
        )
        let running = Task { try await service.run() }
        #expect(await service.waitUntilStarted())
        let ids = try await send(50, to: "jobs", store: store)
        try await eventually("50 messages") { ledger.handledCount == ids.count }
        service.shutdown()
        try await running.value
        #expect(service.host.isStopping)
    }
}
