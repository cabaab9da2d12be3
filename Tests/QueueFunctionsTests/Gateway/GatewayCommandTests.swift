import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting
import SampleFunctions

@Suite("Gateway command line")
struct GatewayCommandTests {
    @Test("serve refuses a non-loopback --bind without an admin token, before opening anything, with exit code 2")
    func serveNeedsToken() async throws {
        let captured = CapturedOutput()
        let code = await QueueFunctionsCommand.run(
            arguments: ["serve", "--manifest", RepositoryPaths.manifest.path, "--store", "memory:", "--bind", "0.0.0.0", "--port", "0"],
            registry: SampleApp.registry(services: SampleServices()), environment: [:], output: captured.output
        )
        #expect(code == CommandExitCode.usage)
        #expect(captured.stderr.contains("Refusing to listen on 0.0.0.0"))
        #expect(captured.stderr.contains("--admin-token"))
        #expect(captured.stderr.contains("QUEUEFUNCTIONS_ADMIN_TOKEN"))
    }

    @Test("status reads live workers and counters from a running host's /api/functions")
    func statusProbe() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("qf-status")
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = directory.appendingPathComponent("functions.json")
        try Data("""
        {
          "queues": [ { "name": "jobs", "dead_letter_queue": "jobs-dlq", "max_receive_count": 2 }, { "name": "outbox" } ],
          "functions": [ { "name": "record-jobs", "handler": "RecordingFunction", "trigger": { "queue": "jobs" },
                           "scale": { "min_workers": 2, "max_workers": 2 } } ]
        }
        """.utf8).write(to: manifest)
        let token = "status-token-42"
        try await withGateway(adminToken: token) { fixture in
            for number in 0..<3 { try await fixture.testHost.send(Job(number: number), to: "jobs") }
            try await fixture.testHost.settle()
            let registry = gatewayRegistry(Recorder())
            func status(_ port: Int, token: String?) async throws -> [String: Any] {
                let captured = CapturedOutput()
                var arguments = ["status", "--manifest", manifest.path, "--store", "memory:", "--port", "\(port)", "--json"]
                if let token { arguments += ["--admin-token", token] }
                let code = await QueueFunctionsCommand.run(arguments: arguments, registry: registry, output: captured.output)
                #expect(code == CommandExitCode.success, "\(captured.stderr)")
                return try #require(JSONSerialization.jsonObject(with: Data(captured.stdout.utf8)) as? [String: Any])
            }
            let report = try await status(fixture.port, token: token)
            #expect(report["host_reachable"] as? Bool == true)
            let functions = try #require(report["functions"] as? [[String: Any]])
            let live = try #require(functions.first?["live"] as? [String: Any])
            #expect(live["workers"] as? Int == 2)
            #expect(live["desired_workers"] as? Int == 2)
            #expect(live["succeeded"] as? Int == 3)

            let withoutToken = try await status(fixture.port, token: nil)
            #expect(withoutToken["host_reachable"] as? Bool == false)
            let nobody = try await status(1, token: nil)
            #expect(nobody["host_reachable"] as? Bool == false)
        }
    }

    @Test(
        "SampleHost serve --port 0 prints the actual URL, serves it, and stops cleanly on SIGTERM",
        .enabled("needs the SampleHost executable next to the test bundle") { sampleHostPath != nil }
    )
    func serveSubprocess() async throws {
        let executable = try #require(sampleHostPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--manifest", RepositoryPaths.manifest.path, "--store", "memory:", "--port", "0",
                             "--log-level", "warning"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) } }
        let banner = try await offPool { () -> String in
            var text = ""
            let handle = errors.fileHandleForReading
            while !text.contains("Press Ctrl-C") {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        let match = try #require(banner.firstMatch(of: /Listening on http:\/\/127\.0\.0\.1:(\d+)\//), "banner: \(banner)")
        let port = try #require(Int(match.1))
        #expect(port != 0 && port != 7071)
        let host = try await httpRequest(port: port, "GET", "/api/host")
        #expect(host.status == 200)
        #expect(host.json["store"] as? String == "memory")
        let post = try await httpRequest(port: port, "POST", "/imports", body: #"{"import_id": "i-1", "object": "a.csv"}"#)
        #expect(post.status == 202)
        process.terminate()
        let exited = try await offPool { () -> Bool in
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            return !process.isRunning
        }
        #expect(exited)
        #expect(process.terminationStatus == 0)
    }
}

/// The SampleHost executable built beside the test bundle, if any.
let sampleHostPath: String? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent(), directory.deletingLastPathComponent().deletingLastPathComponent()]
        .map { $0.appendingPathComponent("SampleHost").path }
    return candidates.first(where: FileManager.default.isExecutableFile)
}()
