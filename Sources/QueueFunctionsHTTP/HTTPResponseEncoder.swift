/// Turns an ``HTTPResponse`` into bytes for the wire, adding the framing headers the
/// server owns (`Content-Length`, `Date`, `Server`, `Connection`) and dropping header
/// fields that could split the response.
enum HTTPResponseEncoder {
    /// Header fields the handler may not set; the server writes its own.
    private static let owned = ["content-length", "transfer-encoding", "connection", "date", "keep-alive"]

    /// The result of encoding: the bytes and the names of any header fields dropped.
    struct Encoded {
        var bytes: [UInt8]
        var droppedFields: [String]
    }

    /// Encodes `response`.
    ///
    /// - Parameters:
    ///   - headOnly: The request was `HEAD`: send `Content-Length` but no body.
    ///   - close: Add `Connection: close` (the connection closes after this response).
    ///   - keepAliveHeader: Add `Connection: keep-alive` (an HTTP/1.0 client asked for it).
    ///   - date: The `Date` header value.
    static func encode(_ response: HTTPResponse, headOnly: Bool, close: Bool, keepAliveHeader: Bool, date: String) -> Encoded {
        var status = response.status
        if !(100...999).contains(status) { status = 500 }
        var head = "HTTP/1.1 \(status) \(HTTPStatus.reasonPhrase(status))\r\n"
        var dropped: [String] = []
        var hasServer = false
        for field in response.headers {
            let lowered = field.name.lowercased()
            let validName = !field.name.isEmpty && field.name.utf8.allSatisfy(HTTPHeadParser.isToken)
            let validValue = field.value.utf8.allSatisfy { $0 == 9 || ($0 >= 32 && $0 != 127) }
            if owned.contains(lowered) { continue }
            guard validName, validValue else {
                dropped.append(field.name)
                continue
            }
            if lowered == "server" { hasServer = true }
            head += "\(field.name): \(field.value)\r\n"
        }
        if !hasServer { head += "Server: QueueFunctions\r\n" }
        head += "Date: \(date)\r\n"
        if close {
            head += "Connection: close\r\n"
        } else if keepAliveHeader {
            head += "Connection: keep-alive\r\n"
        }
        let sendsBody = !HTTPStatus.forbidsBody(status) && status != 304
        if !HTTPStatus.forbidsBody(status) {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if sendsBody && !headOnly { bytes.append(contentsOf: response.body) }
        return Encoded(bytes: bytes, droppedFields: dropped)
    }

    /// `HTTP/1.1 100 Continue`, sent before reading a body the client is holding back.
    static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}
