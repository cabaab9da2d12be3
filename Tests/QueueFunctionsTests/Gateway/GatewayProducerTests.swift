import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Gateway producer routes")
struct GatewayProducerTests {
    @Test("a post answers 202 with the message id and queue, and the handler then sees that message")
    func acceptedThenHandled() async throws {
        try await withGateway { fixture in
            let response = try await httpRequest(port: fixture.port, "POST", "/jobs", body: #"{"number": 41}"#)
            #expect(response.status == 202)
            #expect(response.json["queue"] as? String == "jobs")
            let id = try #require(response.json["id"] as? String)
            #expect(response.header("X-Message-Id") == id)
            #expect(try await eventually { fixture.recorder.count == 1 })
            #expect(fixture.recorder.all.first?.id.rawValue == id)
            #expect(fixture.recorder.numbers == [41])
        }
    }

    @Test("a body that is not JSON gets 400 naming the line, column and fix; nothing is queued")
    func invalidJSON() async throws {
        try await withGateway { fixture in
            let response = try await httpRequest(port: fixture.port, "POST", "/jobs", body: "{\"number\": 1,}")
            #expect(response.status == 400)
            #expect(response.errorText.contains("not valid JSON"))
            #expect(response.errorText.contains("line 1, column"))
            #expect(response.errorText.contains("trailing comma"))
            #expect(try await fixture.testHost.stats("jobs").total == 0)
        }
    }

    @Test("a JSON body that does not decode as the function's message type gets 400 naming the field and type")
    func wrongMessageType() async throws {
        try await withGateway { fixture in
            let missing = try await httpRequest(port: fixture.port, "POST", "/jobs", body: #"{"count": 1}"#)
            #expect(missing.status == 400)
            #expect(missing.errorText.contains("Job"))
            #expect(missing.errorText.contains("record-jobs"))
            #expect(missing.errorText.contains("number"))
            let wrongType = try await httpRequest(port: fixture.port, "POST", "/jobs", body: #"{"number": "seven"}"#)
            #expect(wrongType.status == 400)
            #expect(wrongType.errorText.contains("$.number"))
            #expect(fixture.recorder.count == 0)
            #expect(try await fixture.testHost.stats("jobs").total == 0)
        }
    }

    @Test("an empty body and a body that is not UTF-8 get 400")
    func emptyAndBinaryBodies() async throws {
        try await withGateway { fixture in
            let empty = try await httpRequest(port: fixture.port, "POST", "/jobs", body: "")
            #expect(empty.status == 400)
            #expect(empty.errorText.contains("empty"))
            let binary = try await offPool { [port = fixture.port] in
                let client = try HTTPTestClient(port: port)
                try client.send(Array("POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\n".utf8) + [0xFF, 0xFE, 0x7B])
                return try client.readResponse()
            }
            #expect(binary.status == 400)
            #expect(binary.errorText.contains("UTF-8"))
        }
    }

    @Test("a queue nobody consumes accepts any JSON document")
    func unconsumedQueueTakesAnyJSON() async throws {
        try await withGateway { fixture in
            for body in [#"{"anything": [1, 2]}"#, "42", #""text""#] {
                let response = try await httpRequest(port: fixture.port, "PUT", "/outbox", body: body)
                #expect(response.status == 202, "\(body): \(response.bodyText)")
            }
            #expect(try await fixture.testHost.stats("outbox").visible == 3)
        }
    }

    @Test("an unknown path gets 404 listing the producer routes")
    func unknownRoute() async throws {
        try await withGateway { fixture in
            let response = try await httpRequest(port: fixture.port, "POST", "/imports", body: "{}")
            #expect(response.status == 404)
            #expect(response.errorText.contains("POST /jobs"))
            #expect(response.errorText.contains("PUT /outbox"))
            #expect(response.json["routes"] as? [String] == ["POST /jobs", "PUT /outbox"])
        }
    }

    @Test("a producer path with another method gets 405 with Allow")
    func wrongMethod() async throws {
        try await withGateway { fixture in
            let response = try await httpRequest(port: fixture.port, "GET", "/jobs")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "POST")
            #expect(response.errorText.contains("use POST"))
            let put = try await httpRequest(port: fixture.port, "PUT", "/jobs/", body: #"{"number": 1}"#)
            #expect(put.status == 405)
        }
    }

    @Test("a repeated Idempotency-Key answers 202 with the original id and sends nothing")
    func idempotencyHeader() async throws {
        try await withGateway { fixture in
            let headers = ["Idempotency-Key": "retry-me-1"]
            let first = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: headers, body: #"{"number": 1}"#)
            let second = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: headers, body: #"{"number": 1}"#)
            #expect(first.status == 202)
            #expect(second.status == 202)
            #expect(second.json["id"] as? String == first.json["id"] as? String)
            #expect(second.header("Idempotent-Replayed") == "true")
            let other = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: ["Idempotency-Key": "retry-me-2"],
                                              body: #"{"number": 2}"#)
            #expect(other.json["id"] as? String != first.json["id"] as? String)
            #expect(try await eventually { fixture.recorder.count == 2 })
            try await fixture.testHost.settle()
            #expect(fixture.recorder.numbers.sorted() == [1, 2])
        }
    }

    @Test("the manifest's idempotency_field deduplicates by body field, for the window only")
    func idempotencyFieldAndWindow() async throws {
        try await withGateway(manifest: gatewayManifest(idempotencyWindow: .seconds(60))) { fixture in
            let body = #"{"event_id": "evt-9", "payload": 1}"#
            let first = try await httpRequest(port: fixture.port, "PUT", "/outbox", body: body)
            fixture.testHost.clock.advance(by: .seconds(59))
            let within = try await httpRequest(port: fixture.port, "PUT", "/outbox", body: body)
            #expect(within.json["id"] as? String == first.json["id"] as? String)
            #expect(try await fixture.testHost.stats("outbox").visible == 1)
            fixture.testHost.clock.advance(by: .seconds(2))
            let after = try await httpRequest(port: fixture.port, "PUT", "/outbox", body: body)
            #expect(after.status == 202)
            #expect(after.json["id"] as? String != first.json["id"] as? String)
            #expect(try await fixture.testHost.stats("outbox").visible == 2)
        }
    }

    @Test("an Idempotency-Key longer than 255 characters gets 400")
    func oversizedKey() async throws {
        try await withGateway { fixture in
            let response = try await httpRequest(port: fixture.port, "POST", "/jobs",
                                                 headers: ["Idempotency-Key": String(repeating: "k", count: 256)],
                                                 body: #"{"number": 1}"#)
            #expect(response.status == 400)
            #expect(response.errorText.contains("Idempotency-Key"))
        }
    }

    @Test("20 concurrent posts with one key send one message and all answer its id")
    func concurrentSameKey() async throws {
        try await withGateway { fixture in
            let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await httpRequest(port: fixture.port, "PUT", "/outbox",
                                                             headers: ["Idempotency-Key": "same"], body: #"{"n": 1}"#)
                        return response.status == 202 ? response.json["id"] as? String : nil
                    }
                }
                var ids: [String?] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            #expect(ids.count == 20)
            #expect(Set(ids.compactMap { $0 }).count == 1)
            #expect(ids.allSatisfy { $0 != nil })
            #expect(try await fixture.testHost.stats("outbox").visible == 1)
        }
    }

    @Test("200 concurrent posts over 32 keep-alive connections are all accepted and all handled")
    func concurrentPosts() async throws {
        try await withGateway(manifest: gatewayManifest(workers: 4)) { fixture in
            let port = fixture.port
            let ids = try await withThrowingTaskGroup(of: [String].self) { group in
                for connection in 0..<32 {
                    group.addTask {
                        try await offPool {
                            let client = try HTTPTestClient(port: port, timeout: 10)
                            var ids: [String] = []
                            for number in stride(from: connection, to: 200, by: 32) {
                                let body = "{\"number\": \(number)}"
                                try client.send("POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                                let response = try client.readResponse()
                                guard response.status == 202, let id = response.json["id"] as? String else {
                                    throw HTTPTestClientError.malformed("status \(response.status): \(response.bodyText)")
                                }
                                ids.append(id)
                            }
                            return ids
                        }
                    }
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(ids.count == 200)
            #expect(Set(ids).count == 200)
            #expect(try await eventually { fixture.recorder.count >= 200 })
            try await fixture.testHost.settle()
            #expect(Set(fixture.recorder.numbers) == Set(0..<200))
            #expect(Set(fixture.recorder.all.map(\.id.rawValue)) == Set(ids))
        }
    }

    @Test("with SQLite, the message is in the database file by the time 202 arrives")
    func durableBeforeAccepted() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let store = try await SQLiteQueueStore(path: path)
            let recorder = Recorder()
            let host = try FunctionHost(manifest: gatewayManifest(), registry: gatewayRegistry(recorder), store: store,
                                        logger: .disabled)
            let gateway = try Gateway(host: host, configuration: Gateway.Configuration(server: .testing()))
            try gateway.start()
            let run = Task { await host.run() }
            do {
                let response = try await httpRequest(port: gateway.boundPort, "PUT", "/outbox", body: #"{"event_id": "e1"}"#)
                #expect(response.status == 202)
                let id = try #require(response.json["id"] as? String)
                // A second connection to the same file sees the committed row.
                let reader = try await SQLiteQueueStore(path: path)
                let stored = try await reader.peek("outbox", limit: 10)
                await reader.close()
                #expect(stored.map(\.id.rawValue) == [id])
                let job = try await httpRequest(port: gateway.boundPort, "POST", "/jobs", body: #"{"number": 5}"#)
                #expect(job.status == 202)
                #expect(try await eventually { recorder.numbers == [5] })
            } catch {
                Issue.record(error)
            }
            await gateway.shutdown()
            host.stop()
            await run.value
            await store.close()
        }
    }
}
