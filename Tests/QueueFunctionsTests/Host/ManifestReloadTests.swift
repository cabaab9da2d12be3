import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHost

/// `serve --watch` and SIGHUP: a changed functions.json applies to the running host.
@Suite("Manifest hot reload")
struct ManifestReloadTests {
    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("while 10,000 messages flow: batch_size and max_workers change, an invalid edit is refused, a removed function drains; nothing is lost or delivered twice")
    func reloadWhileMessagesFlow() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.path("functions.json")
            try write(embeddedManifest(batch: 10, workers: 2, withSecond: true), to: file)
            let store = MemoryQueueStore()
            let ledger = DeliveryLedger()
            let sideLedger = DeliveryLedger()
            var registry = FunctionRegistry()
            // 2 ms per batch keeps the 10,000 messages flowing for a while; the side function is slow
            // so that it has a batch in flight when it is removed.
            registry.register("Ledger") { LedgerRouter(main: ledger, side: sideLedger) }
            let service = try QueueFunctionsService(
                manifest: .file(file), registry: registry, store: store, options: .init(autoscale: false, logger: .disabled)
            )
            let messages = (0..<10_000).map { OutgoingMessage(body: Data(#"{"n":\#($0)}"#.utf8)) }
            for start in stride(from: 0, to: messages.count, by: 1_000) {
                try await store.send(Array(messages[start..<(start + 1_000)]), to: "jobs")
            }
            let side = (0..<400).map { OutgoingMessage(body: Data(#"{"n":\#($0)}"#.utf8)) }
            try await store.send(side, to: "side-jobs")
            let running = Task { try await service.run() }

            try await eventually("the first 1,000 messages") { ledger.handledCount >= 1_000 }
            #expect(ledger.largestBatch(of: "work") == 10)
            try write(embeddedManifest(batch: 25, workers: 4, withSecond: true), to: file)
            let applied = service.reload()
            #expect(applied == .applied(.init(changed: ["work"])), "\(applied)")
            #expect(service.host.runner(named: "work")?.function.trigger.batchSize == 25)
            try await eventually("four workers") { service.host.runner(named: "work")?.activeWorkerCount == 4 }
            try await eventually("a batch of 25") { ledger.largestBatch(of: "work") == 25 }

            // An invalid edit is reported with its errors; the running configuration goes on.
            try write(#"{"queues": [{"name": "jobs", "visibility_timeout": "-5s"}], "functions": [{"name": "work"}]}"#, to: file)
            let before = ledger.handledCount
            let rejected = service.reload()
            guard case .rejected(let errors) = rejected else {
                Issue.record("an invalid manifest was not rejected: \(rejected)")
                return
            }
            #expect(errors.contains("visibility_timeout"), "\(errors)")
            #expect(errors.contains("handler"), "every error is listed: \(errors)")
            #expect(service.host.runner(named: "work")?.function.trigger.batchSize == 25)
            try await eventually("more messages after the refused edit") { ledger.handledCount > before + 500 }

            // Removing the side function drains it: its batch in flight finishes and is acked.
            try await eventually("a side batch in flight") { sideLedger.isRunning }
            let removed = try #require(service.host.runner(named: "drain-me"))
            try write(embeddedManifest(batch: 25, workers: 4, withSecond: false), to: file)
            #expect(service.reload() == .applied(.init(removed: ["drain-me"])))
            #expect(service.host.runner(named: "drain-me") == nil)
            try await eventually("the side function's workers to settle and exit") { removed.workerCount == 0 }
            #expect(!sideLedger.isRunning)
            let sideStats = try await store.stats(for: "side-jobs")
            #expect(sideStats.inFlight == 0, "the drained batch was acked, not left leased")
            #expect(sideLedger.handledCount + sideStats.visible == side.count, "nothing of the removed function was lost")

            try await eventually("all 10,000 messages", within: .seconds(60)) { ledger.handledCount == messages.count }
            #expect(ledger.handled == Set(messages.map(\.id)))
            #expect(ledger.duplicates == 0, "no lease lapsed, so no message may run twice")
            service.shutdown()
            try await running.value
        }
    }

    @Test("--watch: a change to the file is picked up without a call")
    func watchPicksUpChanges() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.path("functions.json")
            try write(embeddedManifest(batch: 10, workers: 1), to: file)
            var registry = FunctionRegistry()
            registry.register("Ledger") { LedgerFunction(ledger: DeliveryLedger(), pause: .zero, connection: nil) }
            let service = try QueueFunctionsService(
                manifest: .file(file), registry: registry, store: MemoryQueueStore(),
                options: .init(autoscale: false, logger: .disabled, watchInterval: .milliseconds(20))
            )
            let running = Task { try await service.run() }
            #expect(await service.waitUntilStarted())
            try write(embeddedManifest(batch: 7, workers: 3), to: file)
            try await eventually("the watcher to apply the change") {
                service.host.runner(named: "work")?.function.trigger.batchSize == 7
            }
            try await eventually("three workers") { service.host.runner(named: "work")?.activeWorkerCount == 3 }
            running.cancel()
            try await running.value
        }
    }
}

/// One handler type serving both functions, recording each in its own ledger.
struct LedgerRouter: QueueFunction {
    struct Message: Decodable, Sendable { var n: Int }
    let main: DeliveryLedger
    let side: DeliveryLedger

    func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws {
        let ids = batch.map(\.id)
        let ledger = context.functionName == "drain-me" ? side : main
        ledger.begin(ids, function: context.functionName)
        defer { ledger.end(ids) }
        try? await Task.sleep(for: context.functionName == "drain-me" ? .milliseconds(300) : .milliseconds(2))
    }
}
