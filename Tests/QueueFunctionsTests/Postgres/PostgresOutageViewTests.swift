import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsGateway
@testable import QueueFunctionsPostgres
@testable import QueueFunctionsHost

/// While the database is down, a running host still answers `/api/host` (so the dashboard
/// can say what is wrong) and `/metrics`, and both show the store as unreachable: since
/// when, where (the URL without its password) and why.
@Suite("PostgreSQL outage view")
struct PostgresOutageViewTests {
    @Test("with the server stopped, /api/host and /metrics show the store unreachable, since when, at its URL without the password")
    func stoppedServerShowsAsUnreachable() async throws {
        let cluster = try await PostgresTestCluster.startPrivateCluster()
        // Trust authentication ignores the password; it is there to be hidden.
        let url = cluster.adminURL.replacingOccurrences(of: "postgres@", with: "postgres:s3cret@")
        let shown = cluster.adminURL
        let store: PostgresQueueStore
        do {
            store = try await PostgresQueueStore(url: url, options: .init(connections: 2))
        } catch {
            await cluster.stop()
            throw error
        }
        let host = try FunctionHost(
            manifest: gatewayManifest(), registry: gatewayRegistry(Recorder()), store: store, logger: .disabled
        )
        let running = Task { await host.run() }
        let gateway = try Gateway(host: host, configuration: Gateway.Configuration(server: .testing(maxConnections: 16)))
        try gateway.start()
        let port = gateway.boundPort

        let before = try await httpRequest(port: port, "GET", "/api/host")
        let reachable = before.json["store_status"] as? [String: Any]
        #expect(reachable?["reachable"] as? Bool == true, "\(before.bodyText)")
        #expect(reachable?["location"] as? String == shown)

        let stoppedAt = Date()
        await cluster.stop()

        let during = try await httpRequest(port: port, "GET", "/api/host")
        #expect(during.status == 200, "\(during.bodyText)")
        let status = during.json["store_status"] as? [String: Any]
        #expect(status?["reachable"] as? Bool == false, "\(during.bodyText)")
        #expect(status?["location"] as? String == shown)
        let error = status?["error"] as? String ?? ""
        #expect(error.contains(shown), "\(during.bodyText)")
        #expect(!during.bodyText.contains("s3cret"))
        let since = (status?["unreachable_since"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
        #expect(since.map { $0 >= stoppedAt.addingTimeInterval(-1) } == true, "\(during.bodyText)")

        let metricsText = try await httpRequest(port: port, "GET", "/metrics").bodyText
        let metrics = try PrometheusTextParser.parse(metricsText)
        #expect(metrics.value("queuefunctions_store_up") == 0)
        #expect(metrics.value("queuefunctions_store_info", ["location": shown]) == 1, "\(metricsText)")
        #expect((metrics.value("queuefunctions_store_unreachable_since_seconds") ?? 0) >= stoppedAt.timeIntervalSince1970 - 1)
        #expect(!metricsText.contains("s3cret"))

        // `status` on the same URL exits 4 and names the URL, without the password.
        let directory = try RepositoryPaths.temporaryDirectory("pg-outage-status")
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("functions.json")
        try Data(#"{"queues": [{"name": "jobs"}], "functions": [{"name": "record-jobs", "handler": "RecordingFunction", "trigger": {"queue": "jobs"}}]}"#.utf8)
            .write(to: manifest)
        let captured = CapturedOutput()
        let code = await QueueFunctionsCommand.run(
            arguments: ["status", "--manifest", manifest.path, "--store", url],
            registry: gatewayRegistry(Recorder()), output: captured.output
        )
        #expect(code == CommandExitCode.storeUnusable, "\(captured.stdout)\(captured.stderr)")
        #expect(captured.stderr.contains(shown), "\(captured.stderr)")
        #expect(!captured.stderr.contains("s3cret"))

        await gateway.shutdown()
        host.stop()
        await running.value
        await store.close()
    }
}
