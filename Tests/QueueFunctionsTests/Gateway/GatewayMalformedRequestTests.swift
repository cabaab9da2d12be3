import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Gateway malformed requests")
struct GatewayMalformedRequestTests {
    @Test("garbage, oversized and slow requests each get their answer and a closed connection; the host keeps taking work")
    func hostKeepsServing() async throws {
        try await withGateway(server: .testing(timeout: .seconds(1), maxConnections: 128)) { fixture in
            let port = fixture.port
            let answers = try await offPool { () -> [(Int, Bool)] in
                var answers: [(Int, Bool)] = []
                let garbage = try HTTPTestClient(port: port)
                try garbage.send("HELLO THERE\r\n\r\n")
                answers.append((try garbage.readResponse().status, try garbage.serverClosed()))

                let large = try HTTPTestClient(port: port)
                try large.send("POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n{\"number\": 1")
                answers.append((try large.readResponse().status, try large.serverClosed()))

                let slow = try HTTPTestClient(port: port)
                try slow.send("POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 20\r\n\r\n{\"num")
                answers.append((try slow.readResponse().status, try slow.serverClosed()))

                let badLength = try HTTPTestClient(port: port)
                try badLength.send("POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: -4\r\n\r\n")
                answers.append((try badLength.readResponse().status, try badLength.serverClosed()))
                return answers
            }
            #expect(answers.map(\.0) == [400, 413, 408, 400])
            #expect(answers.allSatisfy { $0.1 })
            #expect(try await fixture.testHost.stats("jobs").total == 0)

            let post = try await httpRequest(port: port, "POST", "/jobs", body: #"{"number": 8}"#)
            #expect(post.status == 202)
            #expect(try await eventually { fixture.recorder.numbers == [8] })
        }
    }

    @Test("a half-sent post that the client abandons queues nothing")
    func abandonedPost() async throws {
        try await withGateway { fixture in
            try await offPool { [port = fixture.port] in
                let client = try HTTPTestClient(port: port)
                try client.send("POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 14\r\n\r\n{\"number\"")
                client.close()
            }
            let queues = try await httpRequest(port: fixture.port, "GET", "/api/queues/jobs")
            #expect(queues.json["total"] as? Int == 0)
            #expect(fixture.recorder.count == 0)
        }
    }
}
