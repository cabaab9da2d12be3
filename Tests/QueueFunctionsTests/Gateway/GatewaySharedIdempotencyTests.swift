import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway

/// Idempotency keys live in the store: hosts that share a SQLite file answer a retried
/// key with the original id, and so does a host started again.
@Suite("Gateway idempotency keys in the store")
struct GatewaySharedIdempotencyTests {
    private func gateway(on path: String) async throws -> (Gateway, FunctionHost, SQLiteQueueStore) {
        let store = try await SQLiteQueueStore(path: path)
        let host = try FunctionHost(manifest: gatewayManifest(), registry: gatewayRegistry(Recorder()), store: store, logger: .disabled)
        let gateway = try Gateway(host: host, configuration: .init(server: .testing(maxConnections: 16)))
        try gateway.start()
        return (gateway, host, store)
    }

    @Test("a retry sent to another host, or to a restarted one, gets the original id and queues nothing")
    func keysAreSharedAndDurable() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let (first, _, firstStore) = try await gateway(on: path)
            let (second, _, secondStore) = try await gateway(on: path)
            let headers = ["Idempotency-Key": "order-77"]
            let original = try await httpRequest(port: first.boundPort, "POST", "/jobs", headers: headers, body: #"{"number": 1}"#)
            let retried = try await httpRequest(port: second.boundPort, "POST", "/jobs", headers: headers, body: #"{"number": 1}"#)
            #expect(original.status == 202 && retried.status == 202)
            #expect(retried.json["id"] as? String == original.json["id"] as? String)
            #expect(retried.header("Idempotent-Replayed") == "true")
            await first.shutdown()
            await second.shutdown()
            await firstStore.close()
            await secondStore.close()

            let (restarted, _, restartedStore) = try await gateway(on: path)
            let afterRestart = try await httpRequest(port: restarted.boundPort, "POST", "/jobs", headers: headers, body: #"{"number": 1}"#)
            #expect(afterRestart.json["id"] as? String == original.json["id"] as? String)
            #expect(try await restartedStore.stats(for: "jobs").visible == 1, "one message for three posts of one key")
            await restarted.shutdown()
            await restartedStore.close()
        }
    }
}
