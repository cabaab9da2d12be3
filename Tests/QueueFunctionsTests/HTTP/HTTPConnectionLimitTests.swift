import Foundation
import Testing
@testable import QueueFunctionsHTTP

/// Idle sockets must not lock new clients out: at `maxConnections` the connection idle
/// longest makes room, and only when every connection is busy does a client get `503`,
/// and then at once, never a reset.
@Suite("HTTPServer at its connection limit")
struct HTTPConnectionLimitTests {
    private static let request = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test("idle keep-alive connections are reclaimed oldest first, so a new client is served")
    func reclaimsTheOldestIdleKeepAliveConnection() async throws {
        try await withHTTPServer(.testing(timeout: .seconds(5), maxConnections: 4)) { server in
            let port = server.boundPort
            let (served, oldestClosed, newestStillServes) = try await offPool {
                let held = try (0..<4).map { _ in try HTTPTestClient(port: port) }
                defer { held.forEach { $0.close() } }
                for client in held {
                    try client.send(Self.request)
                    _ = try client.readResponse()
                }
                let newcomer = try HTTPTestClient(port: port)
                defer { newcomer.close() }
                try newcomer.send(Self.request)
                let served = try newcomer.readResponse().status
                let oldestClosed = try held[0].serverClosed()
                try held[3].send(Self.request)
                return (served, oldestClosed, try held[3].readResponse().status)
            }
            #expect(served == 200)
            #expect(oldestClosed, "the oldest idle connection should have been closed to make room")
            #expect(newestStillServes == 200, "the most recently used connection should have been kept")
        }
    }

    @Test("sockets that never send a byte cannot lock out a new client")
    func silentSocketsDoNotLockOutNewClients() async throws {
        try await withHTTPServer(.testing(timeout: .seconds(5), maxConnections: 8)) { server in
            let port = server.boundPort
            let statuses = try await offPool {
                let silent = try (0..<20).map { _ in try HTTPTestClient(port: port) }
                defer { silent.forEach { $0.close() } }
                return try (0..<3).map { _ in
                    let client = try HTTPTestClient(port: port)
                    defer { client.close() }
                    try client.send(Self.request)
                    return try client.readResponse().status
                }
            }
            #expect(statuses == [200, 200, 200])
        }
    }

    @Test("when every connection is busy, a new client gets 503 and the connection is closed at once")
    func busyServerAnswers503AndCloses() async throws {
        try await withHTTPServer(.testing(timeout: .seconds(5), maxConnections: 1)) { server in
            let port = server.boundPort
            let (status, closed) = try await offPool {
                let busy = try HTTPTestClient(port: port)
                defer { busy.close() }
                try busy.send("GET /?delay_ms=1500 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let refused = try HTTPTestClient(port: port)
                defer { refused.close() }
                try refused.send(Self.request)
                let status = try refused.readResponse().status
                // Closed well before the busy request's 1.5 s: the client timeout is 3 s.
                return (status, try refused.serverClosed())
            }
            #expect(status == 503)
            #expect(closed)
        }
    }

    @Test("past the rejection slots, refused clients still read a 503 rather than a reset")
    func floodOfClientsGets503s() async throws {
        try await withHTTPServer(.testing(timeout: .seconds(5), maxConnections: 1)) { server in
            let port = server.boundPort
            let statuses = try await offPool {
                let busy = try HTTPTestClient(port: port)
                defer { busy.close() }
                try busy.send("GET /?delay_ms=1500 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                var clients: [HTTPTestClient] = []
                defer { clients.forEach { $0.close() } }
                for _ in 0..<(HTTPEventLoop.rejectionSlots + 16) {
                    let client = try HTTPTestClient(port: port)
                    try client.send(Self.request)
                    clients.append(client)
                }
                return clients.map { (try? $0.readResponse().status) ?? 0 }
            }
            #expect(statuses.allSatisfy { $0 == 503 }, "statuses other than 503: \(statuses.filter { $0 != 503 })")
        }
    }
}
