import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Gateway admin API")
struct GatewayAdminTests {
    @Test("GET /api/queues lists every queue with counts matching the store")
    func queues() async throws {
        try await withGateway { fixture in
            for number in 0..<3 { try await fixture.host.queues.send(body: Data("{\"n\": \(number)}".utf8), to: "outbox") }
            try await fixture.host.queues.send(body: Data("{}".utf8), to: "outbox", delay: .seconds(30))
            let response = try await httpRequest(port: fixture.port, "GET", "/api/queues")
            #expect(response.status == 200)
            let queues = try #require(response.json["queues"] as? [[String: Any]])
            #expect(queues.map { $0["name"] as? String } == ["jobs", "outbox", "jobs-dlq", "outbox-dlq"])
            let outbox = try #require(queues.first { $0["name"] as? String == "outbox" })
            #expect(outbox["visible"] as? Int == 3)
            #expect(outbox["delayed"] as? Int == 1)
            #expect(outbox["in_flight"] as? Int == 0)
            #expect(outbox["dead_letter_queue"] as? String == "outbox-dlq")
            let dlq = try #require(queues.first { $0["name"] as? String == "jobs-dlq" })
            #expect(dlq["is_dead_letter_queue"] as? Bool == true)
            #expect(dlq["dead_letter_queue"] is NSNull)
            let single = try await httpRequest(port: fixture.port, "GET", "/api/queues/outbox")
            #expect(single.json["total"] as? Int == 4)
        }
    }

    @Test("unknown queues, functions and endpoints get 404 naming the known ones")
    func notFound() async throws {
        try await withGateway { fixture in
            let queue = try await httpRequest(port: fixture.port, "GET", "/api/queues/job")
            #expect(queue.status == 404)
            #expect(queue.errorText.contains("did you mean 'jobs'"))
            #expect(queue.errorText.contains("outbox-dlq"))
            let function = try await httpRequest(port: fixture.port, "GET", "/api/functions/nope")
            #expect(function.status == 404)
            #expect(function.errorText.contains("record-jobs"))
            let endpoint = try await httpRequest(port: fixture.port, "GET", "/api/nothing")
            #expect(endpoint.status == 404)
            #expect(endpoint.errorText.contains("GET /api/queues"))
            let method = try await httpRequest(port: fixture.port, "DELETE", "/api/dlq/jobs/redrive")
            #expect(method.status == 405)
            #expect(method.header("Allow") == "POST")
        }
    }

    @Test("POST /api/queues/{queue}/messages sends to any queue, checked like a producer route")
    func sendToQueue() async throws {
        try await withGateway { fixture in
            let sent = try await httpRequest(port: fixture.port, "POST", "/api/queues/jobs/messages", body: #"{"number": 3}"#)
            #expect(sent.status == 202)
            #expect(try await eventually { fixture.recorder.numbers == [3] })
            let delayed = try await httpRequest(port: fixture.port, "POST", "/api/queues/outbox-dlq/messages?delay=1m", body: "[]")
            #expect(delayed.status == 202)
            #expect(try await fixture.testHost.stats("outbox-dlq").delayed == 1)
            let bad = try await httpRequest(port: fixture.port, "POST", "/api/queues/jobs/messages", body: #"{"number": []}"#)
            #expect(bad.status == 400)
            let badDelay = try await httpRequest(port: fixture.port, "POST", "/api/queues/outbox/messages?delay=soon", body: "{}")
            #expect(badDelay.status == 400)
            #expect(badDelay.errorText.contains("delay=30s"))
        }
    }

    @Test("GET /api/functions reports workers and counters, in the shape `status` reads")
    func functions() async throws {
        try await withGateway { fixture in
            for number in 0..<5 { try await fixture.testHost.send(Job(number: number), to: "jobs") }
            try await fixture.testHost.settle()
            let response = try await httpRequest(port: fixture.port, "GET", "/api/functions")
            let functions = try #require(response.json["functions"] as? [[String: Any]])
            let function = try #require(functions.first)
            #expect(function["name"] as? String == "record-jobs")
            #expect(function["message_type"] as? String == "Job")
            #expect(function["workers"] as? Int == 2)
            #expect(function["desired_workers"] as? Int == 2)
            #expect(function["succeeded"] as? Int == 5)
            #expect(function["invocations"] as? Int == fixture.testHost.metrics().invocations)
            let status = try JSONDecoder().decode(HostFunctionStatus.self,
                                                  from: JSONSerialization.data(withJSONObject: function))
            #expect(status.succeeded == 5)
            #expect(status.workers == 2)
        }
    }

    @Test("dead-letter queues: list, show messages, redrive to the source queue, purge")
    func deadLetters() async throws {
        try await withGateway { fixture in
            // Bodies that cannot decode as Job are dead-lettered at once.
            for _ in 0..<3 { try await fixture.host.queues.send(body: Data(#"{"number": "x"}"#.utf8), to: "jobs") }
            try await fixture.testHost.settle()
            let list = try await httpRequest(port: fixture.port, "GET", "/api/dlq")
            let queues = try #require(list.json["dead_letter_queues"] as? [[String: Any]])
            let jobs = try #require(queues.first { $0["name"] as? String == "jobs-dlq" })
            #expect(jobs["messages"] as? Int == 3)
            #expect(jobs["source_queues"] as? [String] == ["jobs"])

            let messages = try await httpRequest(port: fixture.port, "GET", "/api/dlq/jobs?limit=2")
            #expect(messages.json["queue"] as? String == "jobs-dlq")
            let listed = try #require(messages.json["messages"] as? [[String: Any]])
            #expect(listed.count == 2)
            let deadLetter = try #require(listed.first?["dead_letter"] as? [String: Any])
            #expect(deadLetter["source_queue"] as? String == "jobs")
            #expect((deadLetter["reason"] as? String ?? "").contains("Job"))

            let redrive = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs-dlq/redrive?limit=1&to=outbox")
            #expect(redrive.status == 200)
            #expect(redrive.json["action"] as? String == "redrive")
            #expect(redrive.json["count"] as? Int == 1)
            #expect(try await fixture.testHost.stats("outbox").visible == 1)

            let purge = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/purge")
            #expect(purge.json["count"] as? Int == 2)
            #expect(try await fixture.testHost.stats("jobs-dlq").total == 0)
        }
    }

    @Test("GET /api/events filters by kind; GET /api/history has samples of every function")
    func eventsAndHistory() async throws {
        try await withGateway { fixture in
            try await fixture.host.queues.send(body: Data(#"{"wrong": true}"#.utf8), to: "jobs")
            try await fixture.testHost.settle()
            let events = try await httpRequest(port: fixture.port, "GET", "/api/events?kind=dead_letter")
            let list = try #require(events.json["events"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["function"] as? String == "record-jobs")
            let badKind = try await httpRequest(port: fixture.port, "GET", "/api/events?kind=oops")
            #expect(badKind.status == 400)
            #expect(try await eventually {
                let history = try await httpRequest(port: fixture.port, "GET", "/api/history")
                let samples = history.json["samples"] as? [[String: Any]] ?? []
                let functions = samples.last?["functions"] as? [[String: Any]] ?? []
                return samples.count >= 2 && functions.first?["name"] as? String == "record-jobs"
            })
        }
    }

    @Test("with an admin token, /api and /metrics need it; producer routes and the page do not")
    func token() async throws {
        let token = "s3cret-token-123"
        try await withGateway(adminToken: token) { fixture in
            let missing = try await httpRequest(port: fixture.port, "GET", "/api/queues")
            #expect(missing.status == 401)
            #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(missing.errorText.contains("--admin-token"))
            let wrong = try await httpRequest(port: fixture.port, "GET", "/metrics", headers: ["Authorization": "Bearer nope"])
            #expect(wrong.status == 401)
            #expect(wrong.errorText.contains("wrong"))
            let right = try await httpRequest(port: fixture.port, "GET", "/api/queues", headers: ["Authorization": "Bearer \(token)"])
            #expect(right.status == 200)
            let post = try await httpRequest(port: fixture.port, "POST", "/jobs", body: #"{"number": 1}"#)
            #expect(post.status == 202)
            let page = try await httpRequest(port: fixture.port, "GET", "/")
            #expect(page.status == 200)
        }
    }

    @Test("a non-loopback address without a token is refused; with a usable token it is allowed")
    func bindNeedsToken() async throws {
        let testHost = try TestHost(manifest: gatewayManifest(), registry: gatewayRegistry(Recorder()))
        let open = Gateway.Configuration(server: HTTPServer.Configuration(host: "0.0.0.0", port: 0))
        #expect(throws: GatewayError.adminTokenRequired(bind: "0.0.0.0")) { try Gateway(host: testHost.host, configuration: open) }
        #expect(throws: GatewayError.self) {
            try Gateway(host: testHost.host, configuration: .init(server: .init(host: "0.0.0.0", port: 0), adminToken: "short"))
        }
        _ = try Gateway(host: testHost.host, configuration: .init(server: .init(host: "0.0.0.0", port: 0), adminToken: "long-enough-token"))
        _ = try Gateway(host: testHost.host, configuration: .init(server: .init(host: "::1", port: 0)))
        #expect(AdminAuth.isLoopback("127.0.0.2"))
        #expect(AdminAuth.isLoopback("localhost"))
        #expect(!AdminAuth.isLoopback("192.168.1.4"))
        #expect(!AdminAuth.isLoopback("::"))
        #expect(GatewayError.adminTokenRequired(bind: "0.0.0.0").description.contains("--admin-token"))
        await testHost.shutdown()
    }
}
