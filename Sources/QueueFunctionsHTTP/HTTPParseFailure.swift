/// Why a request was refused before reaching the handler: the status to answer with
/// and a message saying what was wrong and how to fix it.
struct HTTPParseFailure: Error, Equatable, Sendable {
    /// The status code of the error response.
    var status: Int
    /// What was wrong and how to fix it; becomes `{"error": message}`.
    var message: String

    /// The response sent for this failure.
    var response: HTTPResponse { .error(status: status, message) }

    static func badRequest(_ message: String) -> HTTPParseFailure {
        HTTPParseFailure(status: 400, message: message)
    }

    static func headerTooLarge(limit: Int) -> HTTPParseFailure {
        HTTPParseFailure(status: 431, message: "The request line and headers are larger than \(limit) bytes. Send fewer or shorter headers, or raise HTTPServer.Configuration.maxHeaderBytes.")
    }

    static func targetTooLong(limit: Int) -> HTTPParseFailure {
        HTTPParseFailure(status: 414, message: "The request line is longer than \(limit) bytes. Send a shorter path and query string, or put the data in the request body.")
    }

    static func bodyTooLarge(_ size: String, limit: Int) -> HTTPParseFailure {
        HTTPParseFailure(status: 413, message: "The request body (\(size)) is larger than the limit of \(limit) bytes. Send a smaller body, or raise HTTPServer.Configuration.maxBodyBytes.")
    }

    static func notHTTP(byte: UInt8, offset: Int) -> HTTPParseFailure {
        let hex = "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        if byte == 0x16 && offset == 0 {
            return .badRequest("The request looks like a TLS handshake, but this server speaks plain HTTP. Use an http:// URL, not https://.")
        }
        return .badRequest("The request is not HTTP/1.1: byte \(hex) at offset \(offset) cannot appear in a request line. Start with a line such as 'GET /path HTTP/1.1'.")
    }
}
