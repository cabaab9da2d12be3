import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHost

/// Every running host announces itself in its store, so another process lists it.
@Suite("Host heartbeat")
struct HostHeartbeatTests {
    @Test("two services on one SQLite file both appear in the registry with their workers, and leave it when they stop")
    func servicesAppearAndLeave() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            try Data(embeddedManifest(workers: 2).utf8).write(to: URL(fileURLWithPath: directory.path("functions.json")))
            var registry = FunctionRegistry()
            registry.register("Ledger") { LedgerFunction(ledger: DeliveryLedger(), pause: .zero, connection: nil) }
            let stores = [try await SQLiteQueueStore(path: path), try await SQLiteQueueStore(path: path)]
            let services = try stores.map { store in
                try QueueFunctionsService(
                    manifest: .file(directory.path("functions.json")), registry: registry, store: store,
                    options: .init(gateway: GatewayOptions(port: 0), autoscale: false, logger: .disabled)
                )
            }
            let runs = services.map { service in Task { try await service.run() } }
            let observer = try await SQLiteQueueStore(path: path)
            try await eventually("both hosts with their workers") {
                let hosts = try await observer.hosts(seenWithin: HostHeartbeat.liveWindow)
                return hosts.count == 2 && hosts.allSatisfy { $0.workers == 2 && $0.address?.hasPrefix("http://127.0.0.1:") == true }
            }
            for service in services { service.shutdown() }
            for run in runs { try await run.value }
            #expect(try await observer.hosts(seenWithin: HostHeartbeat.liveWindow).isEmpty, "stopped hosts leave the registry")
            for store in stores + [observer] { await store.close() }
        }
    }
}
