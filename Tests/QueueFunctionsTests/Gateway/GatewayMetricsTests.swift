import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Gateway /metrics")
struct GatewayMetricsTests {
    @Test("/metrics parses as strict Prometheus text and its numbers match the store and the function counters")
    func numbersMatch() async throws {
        try await withGateway { fixture in
            for number in 0..<4 { try await fixture.testHost.send(Job(number: number), to: "jobs") }
            try await fixture.host.queues.send(body: Data(#"{"number": "bad"}"#.utf8), to: "jobs")
            try await fixture.testHost.settle()
            for _ in 0..<3 { try await fixture.host.queues.send(body: Data("{}".utf8), to: "outbox") }
            try await fixture.host.queues.send(body: Data("{}".utf8), to: "outbox", delay: .seconds(10))
            fixture.testHost.clock.advance(by: .seconds(7))
            _ = try await httpRequest(port: fixture.port, "PUT", "/outbox", body: "{}")
            _ = try await httpRequest(port: fixture.port, "PUT", "/outbox", body: "nope")

            let response = try await httpRequest(port: fixture.port, "GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try PrometheusTextParser.parse(response.bodyText)

            let outbox = try await fixture.testHost.stats("outbox")
            #expect(metrics.value("queuefunctions_queue_messages", ["queue": "outbox", "state": "visible"]) == Double(outbox.visible))
            #expect(metrics.value("queuefunctions_queue_messages", ["queue": "outbox", "state": "delayed"]) == 1)
            #expect(metrics.value("queuefunctions_queue_messages", ["queue": "outbox", "state": "in_flight"]) == 0)
            #expect(outbox.visible == 4)
            #expect(metrics.value("queuefunctions_queue_oldest_message_age_seconds", ["queue": "outbox"]) == 7)
            #expect(metrics.value("queuefunctions_queue_dead_lettered_messages", ["queue": "jobs"]) == 1)
            #expect(metrics.value("queuefunctions_queue_messages", ["queue": "jobs-dlq", "state": "visible"]) == 1)

            let snapshot = fixture.testHost.metrics("record-jobs")
            let function = ["function": "record-jobs"]
            #expect(metrics.value("queuefunctions_function_workers", function) == 2)
            #expect(metrics.value("queuefunctions_function_desired_workers", function) == 2)
            #expect(metrics.value("queuefunctions_function_invocations_total", function) == Double(snapshot.invocations))
            #expect(metrics.value("queuefunctions_function_failed_invocations_total", function) == Double(snapshot.failedInvocations))
            #expect(metrics.value("queuefunctions_function_cold_starts_total", function) == 2)
            #expect(metrics.value("queuefunctions_function_messages_total", ["function": "record-jobs", "outcome": "succeeded"]) == 4)
            #expect(metrics.value("queuefunctions_function_messages_total", ["function": "record-jobs", "outcome": "dead_lettered"]) == 1)
            #expect(metrics.value("queuefunctions_function_invocation_duration_seconds_count", function) == Double(snapshot.invocations))
            #expect(metrics.types["queuefunctions_function_invocation_duration_seconds"] == "histogram")
            #expect(metrics.value("queuefunctions_host_info", ["store": "memory", "functions": "1", "queues": "4"]) == 1)
            #expect(metrics.value("queuefunctions_events_total", ["kind": "dead_letter"]) == 1)
            #expect(metrics.value("queuefunctions_producer_requests_total",
                                  ["route": "PUT /outbox", "queue": "outbox", "outcome": "accepted"]) == 1)
            #expect(metrics.value("queuefunctions_producer_requests_total",
                                  ["route": "PUT /outbox", "queue": "outbox", "outcome": "refused"]) == 1)
            #expect(metrics.types.keys.allSatisfy { metrics.help[$0] != nil })
        }
    }

    @Test("the strict parser refuses what Prometheus would refuse")
    func parserIsStrict() {
        let bad = [
            "metric 1\n",  // no TYPE
            "# TYPE m gauge\nm{a=\"x} 1\n",  // unterminated label
            "# TYPE m gauge\nm 1\nm 2\n",  // duplicate series
            "# TYPE m gauge\nm one\n",  // bad value
            "# TYPE m gauge\nm{a=\"\\q\"} 1\n",  // bad escape
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
            "# TYPE m gauge\nm 1",  // no final line feed
        ]
        for text in bad {
            #expect(throws: PrometheusTextParser.Failure.self, "\(text)") { try PrometheusTextParser.parse(text) }
        }
    }

    @Test("label values are escaped")
    func escaping() throws {
        var writer = PrometheusTextWriter()
        writer.family("m", .gauge, help: "a \\ help\nline")
        writer.sample("m", [("route", "POST /a\"b\\c\nd")], 1.5)
        let parsed = try PrometheusTextParser.parse(writer.text)
        #expect(parsed.value("m", ["route": "POST /a\"b\\c\nd"]) == 1.5)
    }

    @Test("promtool accepts /metrics, when Debian's prometheus package is installed")
    func promtool() async throws {
        guard let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile) else {
            print("promtool is not installed (apt-get install prometheus); the strict parser above checks the format")
            return
        }
        try await withGateway { fixture in
            try await fixture.testHost.send(Job(number: 1), to: "jobs")
            try await fixture.testHost.settle()
            let response = try await httpRequest(port: fixture.port, "GET", "/metrics")
            let result = try await runProcess(promtool, ["check", "metrics"], input: Data(response.body))
            #expect(result.status == 0, "promtool: \(result.output)")
        }
    }
}

/// Runs a program off the cooperative pool; returns its exit status and combined output.
func runProcess(_ path: String, _ arguments: [String], input: Data? = nil, timeout: TimeInterval = 120) async throws -> (status: Int32, output: String) {
    try await offPool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
