import Foundation

/// A response for ``HTTPServer`` to send. The server adds `Content-Length`, `Date`,
/// `Server` and `Connection`; any `Content-Length`, `Transfer-Encoding`, `Date` or
/// `Connection` set here is replaced. Header fields whose name is not a token or
/// whose value holds CR, LF or other control characters are dropped (and logged).
/// A `204` or `1xx` response is sent without a body or `Content-Length`, as HTTP requires.
package struct HTTPResponse: Sendable {
    /// The status code (`200`, `404`, …).
    package var status: Int
    /// The header fields.
    package var headers: HTTPHeaders
    /// The body.
    package var body: Data

    /// Creates a response.
    package init(status: Int = 200, headers: HTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is JSON text, with `Content-Type: application/json`.
    ///
    /// - Parameters:
    ///   - status: The status code (default `200`).
    ///   - json: JSON text, sent as UTF-8 as is.
    package static func json(status: Int = 200, _ json: String) -> HTTPResponse {
        body(status: status, contentType: "application/json; charset=utf-8", json)
    }

    /// A plain-text response with `Content-Type: text/plain; charset=utf-8`.
    package static func text(status: Int = 200, _ text: String) -> HTTPResponse {
        body(status: status, contentType: "text/plain; charset=utf-8", text)
    }

    /// An HTML response with `Content-Type: text/html; charset=utf-8`.
    package static func html(status: Int = 200, _ html: String) -> HTTPResponse {
        body(status: status, contentType: "text/html; charset=utf-8", html)
    }

    /// An error response whose body is `{"error": message}`.
    ///
    /// - Parameters:
    ///   - status: A 4xx or 5xx status code.
    ///   - message: What was wrong and how to fix it.
    package static func error(status: Int, _ message: String) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let quoted = (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return json(status: status, "{\"error\": \(quoted)}")
    }

    private static func body(status: Int, contentType: String, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Data(text.utf8))
    }
}
