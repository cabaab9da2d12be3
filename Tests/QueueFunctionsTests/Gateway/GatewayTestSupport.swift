import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting

/// A manifest with one consumed queue (`jobs`, function `record-jobs`, messages of
/// type ``Job``), one queue nobody consumes (`outbox`), and producer routes for both.
func gatewayManifest(idempotencyWindow: Duration = .seconds(300), workers: Int = 2) -> Manifest {
    Manifest(
        queues: [
            QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq", maxReceiveCount: 2),
            QueueConfig(name: "outbox", deadLetterQueue: "outbox-dlq"),
            QueueConfig(name: "jobs-dlq"),
            QueueConfig(name: "outbox-dlq"),
        ],
        functions: [
            FunctionConfig(name: "record-jobs", handler: "RecordingFunction", trigger: TriggerConfig(queue: "jobs"),
                           retry: RetryPolicy(initialDelay: .seconds(1), jitter: 0),
                           scale: ScaleConfig(minWorkers: workers, maxWorkers: workers)),
        ],
        producers: [
            ProducerConfig(method: "POST", path: "/jobs", queue: "jobs"),
            ProducerConfig(method: "PUT", path: "/outbox", queue: "outbox", idempotencyField: "event_id"),
        ],
        host: HostConfig(idempotencyWindow: idempotencyWindow)
    )
}

/// A registry with ``RecordingFunction`` writing to `recorder`.
func gatewayRegistry(_ recorder: Recorder) -> FunctionRegistry {
    var registry = FunctionRegistry()
    registry.register("RecordingFunction", RecordingFunction(recorder: recorder))
    return registry
}

/// A running test host (manual clock, memory store) with a gateway on a free port.
struct GatewayFixture: Sendable {
    let testHost: TestHost
    let gateway: Gateway
    let recorder: Recorder

    var port: Int { gateway.boundPort }
    var host: FunctionHost { testHost.host }
}

/// Starts a host and a gateway, runs `body`, and always shuts both down.
func withGateway(
    manifest: Manifest = gatewayManifest(), adminToken: String? = nil,
    // Generous timeouts: a client of a loaded test run may take a while to send; tests of the
    // timeouts themselves pass their own configuration.
    server: HTTPServer.Configuration = .testing(timeout: .seconds(5), maxConnections: 128),
    allowedHosts: [String] = [], corsOrigins: [String] = [],
    _ body: (GatewayFixture) async throws -> Void
) async throws {
    let recorder = Recorder()
    let testHost = try TestHost(manifest: manifest, registry: gatewayRegistry(recorder), logLevel: .warning)
    let gateway = try Gateway(
        host: testHost.host,
        configuration: Gateway.Configuration(server: server, adminToken: adminToken, historyInterval: .milliseconds(200),
                                             allowedHosts: allowedHosts, corsOrigins: corsOrigins)
    )
    try gateway.start()
    let fixture = GatewayFixture(testHost: testHost, gateway: gateway, recorder: recorder)
    do {
        try await body(fixture)
    } catch {
        await gateway.shutdown()
        await testHost.shutdown()
        throw error
    }
    await gateway.shutdown()
    await testHost.shutdown()
}

/// Sends one request over a fresh connection and reads the response, off the cooperative pool.
/// `Host: localhost` unless `headers` name another; a body is sent as `application/json`
/// unless `headers` give a `Content-Type`.
func httpRequest(
    port: Int, _ method: String, _ target: String, headers: [String: String] = [:], body: String? = nil
) async throws -> HTTPTestResponse {
    try await offPool {
        let client = try HTTPTestClient(port: port, timeout: 5)
        var headers = headers
        let named = Set(headers.keys.map { $0.lowercased() })
        if !named.contains("host") { headers["Host"] = "localhost" }
        if body != nil && !named.contains("content-type") { headers["Content-Type"] = "application/json" }
        var text = "\(method) \(target) HTTP/1.1\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try client.send(text)
        return try client.readResponse(headOnly: method == "HEAD")
    }
}

extension HTTPTestResponse {
    /// The `error` text of a JSON error body.
    var errorText: String { json["error"] as? String ?? "" }
}

