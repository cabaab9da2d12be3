import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("HTTPServer")
struct HTTPServerTests {
    // MARK: Normal traffic

    @Test func echoesMethodPathQueryHeadersAndBody() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let response = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("POST /echo/a%20b?x=1&y=two+words HTTP/1.1\r\nHost: localhost\r\nX-Test: yes\r\nContent-Length: 5\r\n\r\nhello")
                return try client.readResponse()
            }
            #expect(response.status == 200)
            let json = response.json
            #expect(json["method"] as? String == "POST")
            #expect(json["path"] as? String == "/echo/a b")
            #expect(json["query"] as? [String: String] == ["x": "1", "y": "two words"])
            #expect(json["test_header"] as? String == "yes")
            #expect(json["body"] as? String == "hello")
            #expect((json["remote"] as? String)?.hasPrefix("127.0.0.1:") == true)
            #expect(response.header("Content-Length") == "\(response.body.count)")
            #expect(response.header("Server") == "QueueFunctions")
            #expect(response.header("Date")?.hasSuffix(" GMT") == true)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            #expect(response.header("Connection") == nil)
        }
    }

    @Test func keepsTheConnectionAliveAcrossRequests() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let statuses = try await offPool {
                let client = try HTTPTestClient(port: port)
                var answers: [String] = []
                for index in 0..<5 {
                    try client.send("GET /r?id=\(index) HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    let response = try client.readResponse()
                    answers.append("\(response.status) \((response.json["query"] as? [String: String])?["id"] ?? "?") \(response.header("Connection") ?? "-")")
                }
                return answers
            }
            #expect(statuses == (0..<5).map { "200 \($0) -" })
        }
    }

    @Test func answersPipelinedRequestsInOrder() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let ids = try await offPool {
                let client = try HTTPTestClient(port: port)
                // The first request takes longest, so a server answering in completion order would fail.
                try client.send((0..<3).map { "GET /p?id=\($0)&delay_ms=\(150 - $0 * 70) HTTP/1.1\r\nHost: localhost\r\n\r\n" }.joined())
                return try (0..<3).map { _ in (try client.readResponse().json["query"] as? [String: String])?["id"] ?? "?" }
            }
            #expect(ids == ["0", "1", "2"])
        }
    }

    @Test func answers200ConcurrentRequestsOver32Connections() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for connection in 0..<32 {
                    let count = connection < 200 % 32 ? 200 / 32 + 1 : 200 / 32
                    group.addTask {
                        try await offPool {
                            let client = try HTTPTestClient(port: port)
                            var good = 0
                            for index in 0..<count {
                                let body = "c\(connection)-r\(index)"
                                try client.send("POST /load HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                                let response = try client.readResponse()
                                if response.status == 200 && response.json["body"] as? String == body { good += 1 }
                            }
                            return good
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(answered == 200)
        }
    }

    @Test func decodesChunkedRequestBodies() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let response = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("POST /c HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;note=x\r\n world\r\n0\r\nTrailer: t\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.json["body"] as? String == "hello world")
        }
    }

    @Test func sends100ContinueBeforeReadingTheBody() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let (interim, final) = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("PUT /e HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
                let interim = try client.readResponse()
                try client.send("data")
                return (interim, try client.readResponse())
            }
            #expect(interim.status == 100)
            #expect(final.status == 200)
            #expect(final.json["body"] as? String == "data")
        }
    }

    @Test func closesHTTP10ConnectionsAfterTheResponse() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let (response, closed) = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("GET /old HTTP/1.0\r\n\r\n")
                return (try client.readResponse(), try client.serverClosed())
            }
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(closed)
        }
    }

    @Test func answersHeadWithoutABody() async throws {
        try await withHTTPServer(handler: { _ in .text("twelve bytes") }) { server in
            let port = server.boundPort
            let (head, next) = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let head = try client.readResponse(headOnly: true)
                return (head, try client.readResponse())
            }
            #expect(head.header("Content-Length") == "12")
            #expect(next.bodyText == "twelve bytes")
        }
    }

    // MARK: Bad input

    struct BadInput: Sendable, CustomStringConvertible {
        var description: String
        var bytes: [UInt8]
        var status: Int

        init(_ description: String, _ text: String, _ status: Int) {
            self.init(description, Array(text.utf8), status)
        }

        init(_ description: String, _ bytes: [UInt8], _ status: Int) {
            self.description = description
            self.bytes = bytes
            self.status = status
        }
    }

    static let badInputs: [BadInput] = [
        BadInput("malformed request line", "HELLO THERE\r\n\r\n", 400),
        BadInput("request line with extra spaces", "GET  /  HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        BadInput("binary garbage without a newline", [0x16, 0x03, 0x01, 0x02, 0x00, 0xff, 0xfe, 0x80], 400),
        BadInput("JSON sent instead of a request", "{\"hello\": 1}", 400),
        BadInput("header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n", 400),
        BadInput("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
        BadInput("unsupported HTTP version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        BadInput("huge header section", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 4000))\r\n\r\n", 431),
        BadInput("huge request line", "GET /\(String(repeating: "a", count: 4000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        BadInput("oversized Content-Length body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n\(String(repeating: "b", count: 2000))", 413),
        BadInput("oversized chunked body", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffff\r\nabc", 413),
        BadInput("Content-Length and Transfer-Encoding together", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        BadInput("unsupported transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        BadInput("malformed chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        BadInput("stalled in the headers", "GET / HTTP/1.1\r\nHost: x\r\n", 408),
        BadInput("stalled in the body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some", 408),
    ]

    @Test(arguments: badInputs)
    func refusesBadInputWithAJSONErrorAndCloses(_ input: BadInput) async throws {
        let calls = Atomic<Int>(0)
        try await withHTTPServer(handler: { request in
            calls.add(1, ordering: .relaxed)
            return await httpEchoHandler(request)
        }) { server in
            let port = server.boundPort
            let (response, closed) = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send(input.bytes)
                return (try client.readResponse(), try client.serverClosed())
            }
            #expect(response.status == input.status)
            #expect(response.header("Connection") == "close")
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            let message = response.json["error"] as? String ?? ""
            #expect(message.count > 20, "error message: \(response.bodyText)")
            #expect(closed)
            #expect(calls.load(ordering: .relaxed) == 0)
            #expect(try await expectServerStillServes(port: port).status == 200)
        }
    }

    @Test func closesWithoutAnswerWhenTheBodyIsTruncatedByEOF() async throws {
        let calls = Atomic<Int>(0)
        try await withHTTPServer(handler: { _ in
            calls.add(1, ordering: .relaxed)
            return .text("unexpected")
        }) { server in
            let port = server.boundPort
            let received = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
                client.shutdownWrite()
                return try client.readToEnd()
            }
            #expect(received.isEmpty)
            #expect(calls.load(ordering: .relaxed) == 0)
            #expect(try await expectServerStillServes(port: port).status == 200)
        }
    }

    @Test func answersCompleteRequestsBeforeAHalfClose() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let response = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("GET /half?delay_ms=50 HTTP/1.1\r\nHost: x\r\n\r\n")
                client.shutdownWrite()
                return try client.readResponse()
            }
            #expect(response.status == 200)
        }
    }

    @Test func refusesConnectionsOverTheLimitWith503() async throws {
        try await withHTTPServer(.testing(timeout: .seconds(5), maxConnections: 2)) { server in
            let port = server.boundPort
            let refused = try await offPool {
                // Both connections are busy: their handlers are still running.
                let held = try (0..<2).map { _ in try HTTPTestClient(port: port) }
                for client in held { try client.send("GET /?delay_ms=400 HTTP/1.1\r\nHost: x\r\n\r\n") }
                let extra = try HTTPTestClient(port: port)
                let response = try extra.readResponse()
                held.forEach { $0.close() }
                return response
            }
            #expect(refused.status == 503)
            #expect(refused.header("Connection") == "close")
            #expect(refused.header("Retry-After") == "1")
            #expect((refused.json["error"] as? String)?.contains("maxConnections") == true)
            // The held connections close once their handlers finish; give the server a moment to notice.
            var status = 0
            for _ in 0..<150 where status != 200 {
                status = (try? await expectServerStillServes(port: port).status) ?? 0
                if status != 200 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(status == 200)
        }
    }

    @Test func closesAConnectionThatNeverSendsARequest() async throws {
        try await withHTTPServer { server in
            let port = server.boundPort
            let received = try await offPool {
                let client = try HTTPTestClient(port: port)
                return try client.readToEnd()
            }
            #expect(received.isEmpty)
            #expect(try await expectServerStillServes(port: port).status == 200)
        }
    }

    @Test func dropsHandlerHeadersThatWouldSplitTheResponse() async throws {
        let handler: @Sendable (HTTPRequest) async -> HTTPResponse = { _ in
            HTTPResponse(status: 200, headers: ["X-Bad": "a\r\nInjected: 1", "X-Good": "fine", "Content-Length": "999"])
        }
        try await withHTTPServer(handler: handler) { server in
            let port = server.boundPort
            let response = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.header("X-Good") == "fine")
            #expect(response.header("Injected") == nil)
            #expect(response.header("X-Bad") == nil)
            #expect(response.header("Content-Length") == "0")
        }
    }

    // MARK: Lifecycle

    @Test func shutdownFinishesInFlightResponsesThenStopsListening() async throws {
        let started = Atomic<Bool>(false)
        let server = HTTPServer(configuration: .testing(), logger: .disabled) { _ in
            started.store(true, ordering: .relaxed)
            try? await Task.sleep(for: .milliseconds(300))
            return .text("finished")
        }
        try server.start()
        let port = server.boundPort
        async let response = offPool {
            let client = try HTTPTestClient(port: port)
            try client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            return try client.readResponse()
        }
        while !started.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(5)) }
        await server.shutdown()
        let answered = try await response
        #expect(answered.status == 200)
        #expect(answered.bodyText == "finished")
        #expect(answered.header("Connection") == "close")
        await #expect(throws: HTTPTestClientError.self) {
            try await offPool { _ = try HTTPTestClient(port: port) }
        }
        await server.shutdown()
    }

    @Test func reportsAnAddressInUseByName() async throws {
        try await withHTTPServer { server in
            let second = HTTPServer(configuration: .init(port: server.boundPort), logger: .disabled) { _ in .text("") }
            #expect(throws: HTTPServerError.addressInUse(host: "127.0.0.1", port: server.boundPort)) { try second.start() }
            let text = HTTPServerError.addressInUse(host: "127.0.0.1", port: server.boundPort).description
            #expect(text.contains("127.0.0.1:\(server.boundPort)"))
            #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
        }
    }
}
