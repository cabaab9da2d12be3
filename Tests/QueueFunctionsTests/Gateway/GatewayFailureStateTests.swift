import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
import QueueFunctionsHost
import QueueFunctionsTesting

/// A failing handler factory shows in the admin API (and so in `status` and the
/// dashboard) and in `/metrics`, with the time it started failing and the error.
@Suite("Gateway failure state")
struct GatewayFailureStateTests {
    @Test("a failing factory shows as 'handler factory failing since …: error' and is not counted as a live worker")
    func failingFactoryIsVisible() async throws {
        var registry = FunctionRegistry()
        registry.register("RecordingFunction") { () throws -> RecordingFunction in
            throw HandlerFailure(description: "DATABASE_URL is not set")
        }
        let testHost = try TestHost(manifest: gatewayManifest(), registry: registry, logLevel: .warning)
        let gateway = try Gateway(
            host: testHost.host, configuration: Gateway.Configuration(server: .testing(maxConnections: 16))
        )
        try gateway.start()
        defer { Task { await gateway.shutdown() } }
        let port = gateway.boundPort
        #expect(try await becomesTrue { testHost.metrics("record-jobs").factoryFailure != nil })

        let response = try await httpRequest(port: port, "GET", "/api/functions")
        #expect(response.status == 200)
        let body = response.bodyText
        #expect(body.contains("handler factory failing since 2026-01-01T00:00:00Z"), "\(body)")
        #expect(body.contains("DATABASE_URL is not set"))
        #expect(body.contains(#""factory_failure""#))

        let metrics = try PrometheusTextParser.parse(try await httpRequest(port: port, "GET", "/metrics").bodyText)
        #expect(metrics.value("queuefunctions_function_factory_failing", ["function": "record-jobs"]) == 1)
        #expect(metrics.value("queuefunctions_function_store_failing", ["function": "record-jobs"]) == 0)
        #expect(metrics.value("queuefunctions_function_workers", ["function": "record-jobs"]) == 0)
        #expect(metrics.value("queuefunctions_function_stuck_workers", ["function": "record-jobs"]) == 0)
        #expect(metrics.value("queuefunctions_function_lost_leases_total", ["function": "record-jobs"]) == 0)

        let dashboard = try await httpRequest(port: port, "GET", "/").bodyText
        #expect(dashboard.contains("f.problems"))

        // `status` asks the running host and prints what is wrong under its table.
        let directory = try RepositoryPaths.temporaryDirectory("status")
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("functions.json")
        try Data(#"{"queues": [{"name": "jobs"}], "functions": [{"name": "record-jobs", "handler": "RecordingFunction", "trigger": {"queue": "jobs"}}]}"#.utf8)
            .write(to: manifest)
        let captured = CapturedOutput()
        let code = await QueueFunctionsCommand.run(
            arguments: ["status", "--port", "\(port)", "--manifest", manifest.path, "--store", "memory:"],
            registry: registry, output: captured.output
        )
        #expect(code == CommandExitCode.success, "\(captured.stderr)")
        #expect(captured.stdout.contains("record-jobs: handler factory failing since 2026-01-01T00:00:00Z"), "\(captured.stdout)")
        #expect(captured.stdout.contains("DATABASE_URL is not set"))
        await gateway.shutdown()
        await testHost.shutdown()
    }
}
