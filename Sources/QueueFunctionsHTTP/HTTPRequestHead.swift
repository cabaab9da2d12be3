import Foundation

/// A parsed request line and header section, before the body is read.
struct HTTPRequestHead: Sendable {
    /// How the length of the body is given.
    enum Framing: Equatable, Sendable {
        /// No body.
        case none
        /// `Content-Length: n`.
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
    }

    var method: HTTPMethod
    var target: String
    var path: String
    var queryItems: [HTTPRequest.QueryItem]
    var version: String
    var headers: HTTPHeaders
    /// Whether the connection stays open after the response (HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
    var keepAlive: Bool
    var framing: Framing
    /// `Expect: 100-continue` was sent.
    var expectsContinue: Bool

    /// Builds the request handed to the handler.
    func request(body: [UInt8], remoteAddress: String) -> HTTPRequest {
        HTTPRequest(method: method, path: path, queryItems: queryItems, headers: headers,
                    body: .init(body), remoteAddress: remoteAddress, target: target, version: version)
    }
}
