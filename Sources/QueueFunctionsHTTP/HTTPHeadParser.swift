/// Parses a complete request head (request line, header lines, blank line) into an
/// ``HTTPRequestHead``, following RFC 9112 strictly enough to refuse smuggling tricks.
enum HTTPHeadParser {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let colon: UInt8 = 58

    /// Whether `byte` may appear in a method or header name (RFC 9110 `tchar`).
    static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: true
        default: false
        }
    }

    /// Parses `bytes`, which end with the blank line.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(HTTPParseFailure) -> HTTPRequestHead {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        for index in bytes.indices where bytes[index] == lf {
            var end = index
            if end > lineStart && bytes[end - 1] == cr { end -= 1 }
            let line = bytes[lineStart..<end]
            if line.contains(cr) {
                throw .badRequest("A line of the request contains a carriage return that is not followed by a line feed. End every line with CRLF.")
            }
            if !(line.isEmpty && lines.isEmpty) { lines.append(line) }
            lineStart = index + 1
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else {
            throw .badRequest("The request has no request line. Start with a line such as 'GET /path HTTP/1.1'.")
        }
        var head = try parseRequestLine(requestLine)
        for line in lines.dropFirst() {
            let field = try parseField(line)
            head.headers.add(name: field.name, value: field.value)
        }
        try applySemantics(&head)
        return head
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseFailure) -> HTTPRequestHead {
        let parts = line.split(separator: space, omittingEmptySubsequences: false)
        let malformed = HTTPParseFailure.badRequest("Malformed request line '\(String(decoding: line.prefix(200), as: UTF8.self))': expected 'METHOD /path HTTP/1.1' with single spaces.")
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { throw malformed }
        guard parts[0].allSatisfy(isToken) else { throw malformed }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else { throw malformed }
        let method = HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self))
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        switch version {
        case "HTTP/1.1", "HTTP/1.0": break
        default:
            let digits = Array(parts[2].utf8Digits)
            if version.hasPrefix("HTTP/") && version.count == 8 && digits.count == 2 {
                throw HTTPParseFailure(status: 505, message: "\(version) is not supported. Send HTTP/1.1 (or HTTP/1.0) requests.")
            }
            throw malformed
        }
        let (path, query) = try HTTPTarget.split(target, method: method)
        return HTTPRequestHead(method: method, target: target, path: path, queryItems: query, version: version,
                               headers: [:], keepAlive: true, framing: .none, expectsContinue: false)
    }

    private static func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseFailure) -> HTTPHeaders.Field {
        if let first = line.first, first == space || first == tab {
            throw .badRequest("A header line starts with whitespace (obsolete line folding). Put each header on one line.")
        }
        let shown = String(decoding: line.prefix(100), as: UTF8.self)
        guard let colonIndex = line.firstIndex(of: colon) else {
            throw .badRequest("Malformed header line '\(shown)': expected 'Name: value'.")
        }
        let name = line[line.startIndex..<colonIndex]
        guard !name.isEmpty, name.allSatisfy(isToken) else {
            throw .badRequest("Malformed header name in '\(shown)': names are letters, digits and !#$%&'*+-.^_`|~ with no space before the colon.")
        }
        var value = line[(colonIndex + 1)...]
        while let first = value.first, first == space || first == tab { value = value.dropFirst() }
        while let last = value.last, last == space || last == tab { value = value.dropLast() }
        guard value.allSatisfy({ $0 == tab || $0 >= 32 && $0 != 127 }) else {
            throw .badRequest("The value of header '\(String(decoding: name, as: UTF8.self))' contains a control character. Send printable text only.")
        }
        return HTTPHeaders.Field(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
    }

    private static func applySemantics(_ head: inout HTTPRequestHead) throws(HTTPParseFailure) {
        let headers = head.headers
        let isHTTP11 = head.version == "HTTP/1.1"
        let hosts = headers.values(for: "Host")
        if isHTTP11 && hosts.isEmpty {
            throw .badRequest("HTTP/1.1 requests must have a Host header, such as 'Host: localhost:7071'.")
        }
        if hosts.count > 1 {
            throw .badRequest("The request has \(hosts.count) Host headers; send exactly one.")
        }
        head.keepAlive = isHTTP11
            ? !headers.containsToken("close", in: "Connection")
            : headers.containsToken("keep-alive", in: "Connection") && !headers.containsToken("close", in: "Connection")
        head.framing = try framing(headers)
        if let expect = headers["Expect"] {
            guard HTTPHeaders.same(expect, "100-continue") else {
                throw HTTPParseFailure(status: 417, message: "Expect: \(expect) is not supported; only 'Expect: 100-continue' is. Remove the Expect header.")
            }
            head.expectsContinue = isHTTP11
        }
    }

    private static func framing(_ headers: HTTPHeaders) throws(HTTPParseFailure) -> HTTPRequestHead.Framing {
        let encodings = headers.values(for: "Transfer-Encoding")
            .flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingSpaces).lowercased() }
            .filter { !$0.isEmpty }
        let lengths = headers.values(for: "Content-Length")
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { String($0.trimmingSpaces) }
        if !encodings.isEmpty {
            if !lengths.isEmpty {
                throw .badRequest("The request has both Transfer-Encoding and Content-Length. Send only one of them.")
            }
            guard encodings.last == "chunked", encodings.filter({ $0 == "chunked" }).count == 1 else {
                throw HTTPParseFailure(status: 501, message: "Transfer-Encoding '\(encodings.joined(separator: ", "))' is not supported. Send the body with Content-Length or with 'Transfer-Encoding: chunked' alone.")
            }
            guard encodings.count == 1 else {
                throw HTTPParseFailure(status: 501, message: "Transfer-Encoding '\(encodings.joined(separator: ", "))' is not supported; only 'chunked' is. Send the body uncompressed.")
            }
            return .chunked
        }
        guard let first = lengths.first else { return .none }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .badRequest("Invalid Content-Length '\(lengths.joined(separator: ", "))': send one decimal byte count.")
        }
        guard first.utf8.count <= 18, let length = Int(first) else {
            return .length(Int.max)
        }
        return .length(length)
    }
}

private extension ArraySlice<UInt8> {
    /// The ASCII digits in the slice.
    var utf8Digits: [UInt8] { filter { $0 >= 48 && $0 <= 57 } }
}
