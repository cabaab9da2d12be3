import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
import QueueFunctionsHost
import SampleFunctions

/// Each way a number from outside used to crash the host (issue 9) now answers with an
/// error naming the value, where it was given and the allowed range.
@Suite("Numbers from outside")
struct OutsideNumberTests {
    /// Runs the command line in process with a memory store.
    private func run(_ words: [String], manifest: URL = RepositoryPaths.manifest) async -> (code: Int32, out: String, err: String) {
        let captured = CapturedOutput()
        let code = await QueueFunctionsCommand.run(
            arguments: words + ["--manifest", manifest.path, "--store", "memory:"],
            registry: SampleApp.registry(services: SampleServices()), environment: [:], output: captured.output
        )
        return (code, captured.stdout, captured.stderr)
    }

    @Test("validate with a duration of 1e300s reports instead of crashing")
    func validateHugeDuration() async throws {
        let directory = try RepositoryPaths.temporaryDirectory("numbers")
        defer { try? FileManager.default.removeItem(at: directory) }
        var text = try String(contentsOf: RepositoryPaths.manifest, encoding: .utf8)
        text = text.replacingOccurrences(of: #""initial_delay": "1s""#, with: #""initial_delay": "1e300s""#)
        text = text.replacingOccurrences(of: #""visibility_timeout": "60s""#, with: #""visibility_timeout": 1e300"#)
        let manifest = directory.appendingPathComponent("functions.json")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        let result = await run(["validate"], manifest: manifest)
        #expect(result.code == CommandExitCode.invalidManifest)
        #expect(result.err.contains("$.functions[0].retry.initial_delay: initial_delay '1e300s' is out of range: use 0s…7d"), "\(result.err)")
        #expect(result.err.contains("$.queues[0].visibility_timeout: visibility_timeout 1e300 is out of range: use 0s…12h"), "\(result.err)")
    }

    @Test("send --delay 1e300s exits 2 naming the flag and the range")
    func sendHugeDelay() async {
        let result = await run(["send", "orders", #"{"order_id": "o-1"}"#, "--delay", "1e300s"])
        #expect(result.code == CommandExitCode.usage)
        #expect(result.err.contains("--delay '1e300s' is out of range: use 0s…7d"), "\(result.err)")
    }

    @Test("--port 70000 and --limit 1e300 are usage errors")
    func portAndLimit() async {
        let port = await run(["status", "--port", "70000"])
        #expect(port.code == CommandExitCode.usage)
        #expect(port.err.contains("--port 70000 is out of range: use 0…65535"), "\(port.err)")
        let limit = await run(["dlq", "list", "orders", "--limit", "99999999999999999999"])
        #expect(limit.code == CommandExitCode.usage)
        #expect(limit.err.contains("--limit 99999999999999999999 is out of range: use 1…10000"), "\(limit.err)")
    }

    @Test("simulate with a rate of 1e300 exits 2 instead of trapping")
    func simulateHugeRate() async {
        let result = await run(["simulate", "--steady", "1e300@0s-10s"])
        #expect(result.code == CommandExitCode.usage)
        #expect(result.err.contains("--steady '1e300@0s-10s': rate 1e300 is out of range: use 0…1000000"), "\(result.err)")
        let many = await run(["simulate", "--steady", "1000000@0s-1d"])
        #expect(many.code == CommandExitCode.usage)
        #expect(many.err.contains("at most 10000000 are allowed"), "\(many.err)")
    }

    @Test("a workload file with huge numbers lists them instead of trapping")
    func workloadHugeNumbers() throws {
        let data = Data("""
        {"tick": 1e300, "phases": [{"type": "ramp", "from": "0s", "to": "1e300s", "rate_from": 1e300, "rate_to": 1},
                                   {"type": "burst", "at": 0, "count": 1e19}]}
        """.utf8)
        let error = try #require(throws: WorkloadError.self) { try Workload.parse(data, source: "huge.json") }
        #expect(error.description.contains("$.tick: tick 1e+300 is out of range: use 0s…1s"), "\(error)")
        #expect(error.description.contains("$.phases[0].to: to '1e300s' is out of range: use 0s…1d"), "\(error)")
        #expect(error.description.contains("$.phases[0].rate_from: rate_from 1e+300 is out of range: use 0…1000000"), "\(error)")
        #expect(error.description.contains("$.phases[1].count: count 1e+19 is out of range: use 0…10000000"), "\(error)")
    }

    @Test("admin POST ?delay=1e300s answers 400 naming the parameter and the range")
    func adminHugeDelay() async throws {
        let gateway = try InProcessGateway()
        let response = await gateway.respond("POST", "/api/queues/outbox/messages?delay=1e300s", body: #"{"a": 1}"#)
        #expect(response?.status == 400)
        #expect(response?.text.contains("delay '1e300s' is out of range: use 0s…7d") == true, "\(response?.text ?? "")")
        let limit = await gateway.respond("GET", "/api/queues/outbox/messages?limit=99999999999999999999")
        #expect(limit?.status == 400)
        #expect(limit?.text.contains("limit 99999999999999999999 is out of range: use 1…1000") == true, "\(limit?.text ?? "")")
        let fine = await gateway.respond("POST", "/api/queues/outbox/messages?delay=7d", body: #"{"a": 1}"#)
        #expect(fine?.status == 202)
        await gateway.shutdown()
    }
}
