/// Turns the bytes of one connection into requests, incrementally: append what was
/// read, then call ``next()`` until it returns `nil`. Pure (no I/O, no clock), so
/// tests feed it bytes directly. After a `.failure` it stops; the connection closes.
struct HTTPRequestParser {
    /// Something the connection must act on.
    enum Event {
        /// The client sent `Expect: 100-continue`; answer `100 Continue` so it sends the body.
        case continueExpected
        /// A complete request; `keepAlive` says whether more may follow.
        case request(HTTPRequest, keepAlive: Bool)
        /// The input is not an acceptable request; answer with this error and close.
        case failure(HTTPParseFailure)
    }

    /// What the parser is waiting for, so the connection can pick a timeout.
    enum Phase: Equatable {
        /// Nothing of the next request has arrived.
        case idle
        /// Part of a request line or header section has arrived.
        case head
        /// The head is complete; the body is arriving.
        case body
        /// A failure was reported; nothing more will be parsed.
        case failed
    }

    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        case failed
    }

    /// The longest chunk-size line accepted (size plus extensions).
    static let maxChunkLineBytes = 1024

    private let maxHeaderBytes: Int
    private let maxBodyBytes: Int
    private let remoteAddress: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var state = State.head
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    // Head scanning progress, relative to `start`, so a slow client costs no rescans.
    private var scanned = 0
    private var lineStart = 0
    private var requestLineEnded = false
    private var methodEnded = false

    /// Creates a parser enforcing the given limits; `remoteAddress` is copied into each request.
    init(maxHeaderBytes: Int, maxBodyBytes: Int, remoteAddress: String) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.remoteAddress = remoteAddress
    }

    /// Bytes received but not yet consumed.
    var bufferedCount: Int { buffer.count - start }

    /// What the parser is waiting for.
    var phase: Phase {
        switch state {
        case .head: bufferedCount == 0 ? .idle : .head
        case .failed: .failed
        default: .body
        }
    }

    /// Adds bytes read from the socket.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && (start == buffer.count || start >= 16 * 1024) {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Adds bytes (convenience for tests).
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next event the buffered bytes allow, or `nil` when more bytes are needed.
    mutating func next() -> Event? {
        while true {
            switch state {
            case .failed:
                return nil
            case .head:
                switch scanHead() {
                case .needMore: return nil
                case .failure(let failure): return fail(failure)
                case .complete(let end): if let event = finishHead(end: end) { return event }
                }
            case .fixedBody(let remaining):
                let count = min(remaining, bufferedCount)
                guard count > 0 else { return nil }
                take(count)
                state = remaining == count ? .head : .fixedBody(remaining: remaining - count)
                if remaining == count { return emit() }
            case .chunkSize:
                guard let line = takeLine(limit: Self.maxChunkLineBytes) else {
                    if bufferedCount > Self.maxChunkLineBytes {
                        return fail(.badRequest("A chunk-size line is longer than \(Self.maxChunkLineBytes) bytes. Send chunk sizes as short hex numbers."))
                    }
                    return nil
                }
                guard let size = Self.chunkSize(line) else {
                    return fail(.badRequest("Malformed chunk-size line '\(String(decoding: line.prefix(40), as: UTF8.self))': expected a hex size followed by CRLF."))
                }
                if size == 0 {
                    state = .trailers(bytes: 0)
                } else if size > maxBodyBytes - body.count {
                    return fail(.bodyTooLarge("more than \(maxBodyBytes) bytes, chunked", limit: maxBodyBytes))
                } else {
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let count = min(remaining, bufferedCount)
                guard count > 0 else { return nil }
                take(count)
                state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            case .chunkDataEnd:
                guard bufferedCount >= 1 else { return nil }
                if buffer[start] == HTTPHeadParser.lf {
                    start += 1
                } else if buffer[start] == HTTPHeadParser.cr {
                    guard bufferedCount >= 2 else { return nil }
                    guard buffer[start + 1] == HTTPHeadParser.lf else { return fail(Self.badChunk) }
                    start += 2
                } else {
                    return fail(Self.badChunk)
                }
                state = .chunkSize
            case .trailers(let bytes):
                guard let line = takeLine(limit: maxHeaderBytes) else {
                    return bytes + bufferedCount > maxHeaderBytes ? fail(.headerTooLarge(limit: maxHeaderBytes)) : nil
                }
                if line.isEmpty {
                    state = .head
                    return emit()
                }
                let total = bytes + line.count + 2
                if total > maxHeaderBytes { return fail(.headerTooLarge(limit: maxHeaderBytes)) }
                state = .trailers(bytes: total)
            }
        }
    }

    private static let badChunk = HTTPParseFailure.badRequest("A chunk's data is not followed by CRLF. Check that each chunk size matches its data.")

    private enum HeadScan {
        case needMore
        case complete(end: Int)
        case failure(HTTPParseFailure)
    }

    /// Looks for the blank line ending the head, rejecting non-HTTP bytes early.
    private mutating func scanHead() -> HeadScan {
        var index = start + scanned
        while index < buffer.count {
            let byte = buffer[index]
            if byte == HTTPHeadParser.lf {
                var lineEnd = index
                if lineEnd > start + lineStart && buffer[lineEnd - 1] == HTTPHeadParser.cr { lineEnd -= 1 }
                let isEmpty = lineEnd == start + lineStart
                if !requestLineEnded {
                    if isEmpty {
                        // An empty line before the request line is allowed and ignored (RFC 9112 §2.2).
                        start = index + 1
                        resetScan()
                        index = start
                        continue
                    }
                    if index - start > maxHeaderBytes { return .failure(.targetTooLong(limit: maxHeaderBytes)) }
                    requestLineEnded = true
                } else if isEmpty {
                    let end = index + 1
                    resetScan()
                    return .complete(end: end)
                }
                lineStart = index + 1 - start
            } else if !requestLineEnded {
                if byte != HTTPHeadParser.cr && (byte < 32 || byte > 126) {
                    return .failure(.notHTTP(byte: byte, offset: index - start))
                }
                if !methodEnded {
                    if byte == HTTPHeadParser.space {
                        methodEnded = true
                    } else if !HTTPHeadParser.isToken(byte) && byte != HTTPHeadParser.cr {
                        return .failure(.notHTTP(byte: byte, offset: index - start))
                    }
                }
            }
            index += 1
        }
        scanned = index - start
        if scanned > maxHeaderBytes {
            return .failure(requestLineEnded ? .headerTooLarge(limit: maxHeaderBytes) : .targetTooLong(limit: maxHeaderBytes))
        }
        return .needMore
    }

    private mutating func resetScan() {
        scanned = 0
        lineStart = 0
        requestLineEnded = false
        methodEnded = false
    }

    /// Parses the head ending at `end` and chooses how to read the body.
    private mutating func finishHead(end: Int) -> Event? {
        if end - start > maxHeaderBytes { return fail(.headerTooLarge(limit: maxHeaderBytes)) }
        let parsed: HTTPRequestHead
        do {
            parsed = try HTTPHeadParser.parse(buffer[start..<end])
        } catch {
            return fail(error)
        }
        start = end
        head = parsed
        body = []
        switch parsed.framing {
        case .none:
            return emit()
        case .length(let length):
            if length > maxBodyBytes {
                return fail(.bodyTooLarge(length == Int.max ? "an enormous Content-Length" : "\(length) bytes", limit: maxBodyBytes))
            }
            if length == 0 { return emit() }
            body.reserveCapacity(length)
            state = .fixedBody(remaining: length)
            return parsed.expectsContinue && bufferedCount == 0 ? .continueExpected : nil
        case .chunked:
            state = .chunkSize
            return parsed.expectsContinue && bufferedCount == 0 ? .continueExpected : nil
        }
    }

    private mutating func take(_ count: Int) {
        body.append(contentsOf: buffer[start..<(start + count)])
        start += count
    }

    /// Removes and returns the next line without its CRLF, or `nil` if none is complete
    /// within `limit` bytes.
    private mutating func takeLine(limit: Int) -> ArraySlice<UInt8>? {
        let end = min(buffer.count, start + limit + 2)
        guard let newline = buffer[start..<end].firstIndex(of: HTTPHeadParser.lf) else { return nil }
        var lineEnd = newline
        if lineEnd > start && buffer[lineEnd - 1] == HTTPHeadParser.cr { lineEnd -= 1 }
        let line = buffer[start..<lineEnd]
        start = newline + 1
        return line
    }

    /// The size in a chunk-size line (`1a3`, `1a3;name=value`), or `nil` if malformed.
    static func chunkSize(_ line: ArraySlice<UInt8>) -> Int? {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = HTTPTarget.hexValue(line[index]) {
            guard digits < 15 else { return nil }
            size = size << 4 | Int(value)
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        while index < line.endIndex, line[index] == HTTPHeadParser.space || line[index] == HTTPHeadParser.tab { index += 1 }
        guard index == line.endIndex || line[index] == UInt8(ascii: ";") else { return nil }
        return size
    }

    private mutating func emit() -> Event? {
        guard let head else { return nil }
        self.head = nil
        let request = head.request(body: body, remoteAddress: remoteAddress)
        body = []
        return .request(request, keepAlive: head.keepAlive)
    }

    private mutating func fail(_ failure: HTTPParseFailure) -> Event {
        state = .failed
        buffer = []
        start = 0
        body = []
        return .failure(failure)
    }
}
