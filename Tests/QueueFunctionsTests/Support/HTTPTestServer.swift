import Foundation
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost

extension HTTPServer.Configuration {
    /// Port 0 and short limits and timeouts, so error paths are quick to reach.
    static func testing(
        maxHeaderBytes: Int = 1024,
        maxBodyBytes: Int = 4096,
        timeout: Duration = .seconds(1),
        maxConnections: Int = 64
    ) -> HTTPServer.Configuration {
        HTTPServer.Configuration(port: 0, maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes,
                                 headerTimeout: timeout, bodyTimeout: timeout, keepAliveIdleTimeout: .seconds(5),
                                 writeTimeout: .seconds(2), maxConnections: maxConnections,
                                 shutdownGracePeriod: .seconds(2))
    }
}

/// Answers with JSON describing the request; `?delay_ms=N` sleeps first, `?id=X` is echoed.
let httpEchoHandler: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
    if let delay = request.query("delay_ms").flatMap(Int.init) {
        try? await Task.sleep(for: .milliseconds(delay))
    }
    let query = request.queryItems.map { "\(JSONText.string($0.name)): \(JSONText.string($0.value))" }.joined(separator: ", ")
    return .json("""
    {"method": \(JSONText.string(request.method.rawValue)), "path": \(JSONText.string(request.path)), \
    "query": {\(query)}, "test_header": \(JSONText.string(request.headers["x-test"] ?? "")), \
    "body": \(JSONText.string(request.bodyText)), "remote": \(JSONText.string(request.remoteAddress))}
    """)
}

/// Starts a server on a free port, runs `body` with the port, and always shuts the server down.
func withHTTPServer(
    _ configuration: HTTPServer.Configuration = .testing(),
    handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse = httpEchoHandler,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    let server = HTTPServer(configuration: configuration, logger: .disabled, handler: handler)
    try server.start()
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// A plain request that must succeed: proves the server still serves after an error.
func expectServerStillServes(port: Int) async throws -> HTTPTestResponse {
    try await offPool {
        let client = try HTTPTestClient(port: port)
        try client.send("GET /still-alive HTTP/1.1\r\nHost: localhost\r\n\r\n")
        return try client.readResponse()
    }
}
