import Foundation
@testable import QueueFunctions
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
import QueueFunctionsTesting

/// The gateway's router over a test host, answering requests in process: no socket,
/// so fuzzing the admin API and producer routes costs only the routing itself.
struct InProcessGateway {
    let testHost: TestHost
    let gateway: Gateway

    init(manifest: Manifest = gatewayManifest(workers: 0)) throws {
        testHost = try TestHost(manifest: manifest, registry: gatewayRegistry(Recorder()), logLevel: .error)
        gateway = try Gateway(host: testHost.host, configuration: Gateway.Configuration(historyLength: 8))
    }

    /// Answers the request written as raw HTTP/1.1 bytes; nil when the parser refuses them first.
    func respond(raw bytes: [UInt8]) async -> (request: HTTPRequest, response: HTTPResponse)? {
        var parser = HTTPRequestParser(maxHeaderBytes: 8 * 1024, maxBodyBytes: 64 * 1024, remoteAddress: "127.0.0.1:1")
        parser.append(bytes)
        guard case .request(let request, _)? = parser.next() else { return nil }
        return (request, await gateway.respond(to: request))
    }

    /// Answers `method target` with `body`.
    func respond(_ method: String, _ target: String, body: String = "") async -> HTTPResponse? {
        // A body goes as JSON, as the admin API requires (415 otherwise).
        let type = body.isEmpty ? "" : "Content-Type: application/json\r\n"
        let text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(type)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        return await respond(raw: Array(text.utf8))?.response
    }

    func shutdown() async { await testHost.shutdown() }
}

extension HTTPResponse {
    /// The body as text.
    var text: String { String(decoding: body, as: UTF8.self) }
}
