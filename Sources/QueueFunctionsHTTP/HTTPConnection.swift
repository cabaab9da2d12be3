/// One client connection. Lives only on the event-loop thread (it is deliberately not
/// `Sendable`): reads bytes, parses requests, keeps responses in request order,
/// writes them, and enforces the timeouts. Handler calls happen elsewhere; the loop
/// passes requests out and finished responses back in through ``complete(sequence:response:now:dispatches:)``.
final class HTTPConnection {
    /// A request ready for the handler.
    struct Dispatch {
        var connection: Int
        var sequence: Int
        var request: HTTPRequest
    }

    /// An entry in the ordered list of responses owed to the client.
    private enum Slot {
        /// The handler is still running.
        case waiting(headOnly: Bool, close: Bool, keepAliveHeader: Bool)
        /// Bytes ready to send; `close` ends the connection after them.
        case ready([UInt8], close: Bool)
    }

    /// Most requests parsed ahead of their responses (pipelining depth).
    static let maxPipelined = 16
    /// Output size above which reading pauses until the client catches up.
    static let maxBufferedOutput = 1 << 20
    /// How long to keep reading (and dropping) after an error response, so the client
    /// receives it instead of a reset.
    static let lingerTime: Duration = .seconds(2)
    /// The linger of a `503` for a connection over the limit and of a closing server:
    /// long enough to absorb the request a client sent with its connect, short enough
    /// not to hold a descriptor.
    static let shortLingerTime: Duration = .milliseconds(250)

    let id: Int
    let fd: Int32
    let remoteAddress: String
    /// Connections opened only to send `503` do not count toward `maxConnections`.
    let isRejection: Bool
    private(set) var isClosed = false
    private let configuration: HTTPServer.Configuration
    private let logger: HTTPServerLog
    private var parser: HTTPRequestParser
    private var slots: [Slot] = []
    private var firstSequence = 0
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var acceptingRequests = true
    private var closeAfterFlush = false
    private var peerClosed = false
    private var forceClose = false
    private var lingerDeadline: ContinuousClock.Instant?
    private var lastPhase = HTTPRequestParser.Phase.idle
    private var phaseDeadline: ContinuousClock.Instant?
    private var lastActivity: ContinuousClock.Instant
    private var lastWriteProgress: ContinuousClock.Instant
    private var date = HTTPDate()
    /// Whether any request arrived yet; a connection that never sends one gets only
    /// `headerTimeout` of idle time, not `keepAliveIdleTimeout`.
    private var receivedRequest = false

    init(id: Int, fd: Int32, remoteAddress: String, configuration: HTTPServer.Configuration, logger: HTTPServerLog,
         now: ContinuousClock.Instant, isRejection: Bool = false) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.configuration = configuration
        self.isRejection = isRejection
        self.logger = logger.with("remote", remoteAddress)
        self.parser = HTTPRequestParser(maxHeaderBytes: configuration.maxHeaderBytes,
                                        maxBodyBytes: configuration.maxBodyBytes, remoteAddress: remoteAddress)
        self.lastActivity = now
        self.lastWriteProgress = now
    }

    // MARK: Poll interest

    /// Whether to poll for input.
    var wantsRead: Bool {
        if lingerDeadline != nil { return true }
        return acceptingRequests && !peerClosed && slots.count < Self.maxPipelined
            && output.count - outputOffset < Self.maxBufferedOutput
    }

    /// Whether output is waiting.
    var wantsWrite: Bool { outputOffset < output.count }

    /// Whether requests from this connection are still running in handlers.
    var hasPendingResponses: Bool { !slots.isEmpty }

    /// Whether the connection only waits for a next request: nothing of one has arrived,
    /// no handler runs for it and nothing is left to send. Such a connection may be
    /// closed when the server is full, as HTTP allows for idle keep-alive connections.
    var isIdle: Bool {
        !isClosed && !isRejection && acceptingRequests && !peerClosed && lingerDeadline == nil && slots.isEmpty
            && !wantsWrite && parser.phase == .idle
    }

    /// When bytes last moved on the connection: the oldest idle one is reclaimed first.
    var lastActive: ContinuousClock.Instant { lastActivity }

    // MARK: Events

    /// Reads what the socket has, parses it, and appends requests for the handler to `dispatches`.
    func readable(now: ContinuousClock.Instant, scratch: UnsafeMutableRawBufferPointer, dispatches: inout [Dispatch]) {
        for _ in 0..<4 where !isClosed {
            switch HTTPSystem.read(fd, into: scratch) {
            case .bytes(let count):
                lastActivity = now
                if lingerDeadline != nil { continue }
                parser.append(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                if count < scratch.count { return pump(now: now, dispatches: &dispatches) }
            case .wouldBlock:
                return pump(now: now, dispatches: &dispatches)
            case .endOfFile:
                return peerDidClose(now: now, dispatches: &dispatches)
            case .failure(let code):
                logger.debug("http connection read failed", [("errno", "\(code)")])
                return close()
            }
        }
        pump(now: now, dispatches: &dispatches)
    }

    /// Sends as much output as the socket takes.
    func writable(now: ContinuousClock.Instant) {
        flush(now: now)
    }

    /// Stores a handler's response and sends whatever is now in order.
    func complete(sequence: Int, response: HTTPResponse, now: ContinuousClock.Instant, dispatches: inout [Dispatch]) {
        let index = sequence - firstSequence
        guard slots.indices.contains(index), case let .waiting(headOnly, close, keepAliveHeader) = slots[index] else { return }
        let closing = close || forceClose || response.headers.containsToken("close", in: "Connection")
        let encoded = HTTPResponseEncoder.encode(response, headOnly: headOnly, close: closing,
                                                 keepAliveHeader: keepAliveHeader, date: date.now())
        if !encoded.droppedFields.isEmpty {
            logger.warning("http response header dropped: names must be tokens and values printable, without CR or LF",
                           [("headers", encoded.droppedFields.joined(separator: ","))])
        }
        slots[index] = .ready(encoded.bytes, close: closing)
        promoteReady()
        flush(now: now)
        pump(now: now, dispatches: &dispatches)
    }

    /// Sends `response` as the only answer and closes: used for `503` when over `maxConnections`.
    func reject(_ response: HTTPResponse, now: ContinuousClock.Instant) {
        appendError(response)
        flush(now: now)
    }

    /// Stops taking requests: responses still owed are sent with `Connection: close`.
    func beginShutdown(now: ContinuousClock.Instant) {
        forceClose = true
        acceptingRequests = false
        if let deadline = lingerDeadline { lingerDeadline = min(deadline, now + .milliseconds(250)) }
        if slots.isEmpty && !wantsWrite && lingerDeadline == nil { close() }
    }

    /// Applies the timeouts; answers `408` to a stalled request, closes idle or stuck connections.
    func checkTimeouts(now: ContinuousClock.Instant) {
        guard !isClosed else { return }
        if let deadline = lingerDeadline {
            if now >= deadline { close() }
            return
        }
        if wantsWrite && now - lastWriteProgress >= configuration.writeTimeout {
            logger.notice("http client did not read its response in time; closing", [("timeout", HTTPServerLog.format(configuration.writeTimeout))])
            return close()
        }
        if acceptingRequests, let deadline = phaseDeadline, now >= deadline {
            let inHead = lastPhase == .head
            let limit = inHead ? configuration.headerTimeout : configuration.bodyTimeout
            let what = inHead ? "the request line and headers" : "the request body"
            logger.debug("http request timed out", [("waiting_for", inHead ? "headers" : "body")])
            appendError(.error(status: 408, "Timed out after \(HTTPServerLog.format(limit)) waiting for \(what). Send the whole request without pausing; the connection is closed."))
            flush(now: now)
            return
        }
        if slots.isEmpty && !wantsWrite && (parser.phase == .idle || !acceptingRequests)
            && now - lastActivity >= idleTimeout {
            close()
        }
    }

    /// The earliest time ``checkTimeouts(now:)`` has something to do.
    var nextDeadline: ContinuousClock.Instant? {
        if let lingerDeadline { return lingerDeadline }
        var candidates: [ContinuousClock.Instant] = []
        if wantsWrite { candidates.append(lastWriteProgress + configuration.writeTimeout) }
        if acceptingRequests, let phaseDeadline { candidates.append(phaseDeadline) }
        if slots.isEmpty && !wantsWrite { candidates.append(lastActivity + idleTimeout) }
        return candidates.min()
    }

    private var idleTimeout: Duration {
        receivedRequest ? configuration.keepAliveIdleTimeout : configuration.headerTimeout
    }

    /// Closes the socket now.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        HTTPSystem.close(fd)
    }

    // MARK: Internals

    private func pump(now: ContinuousClock.Instant, dispatches: inout [Dispatch]) {
        var completedRequest = false
        while acceptingRequests && slots.count < Self.maxPipelined, let event = parser.next() {
            switch event {
            case .continueExpected:
                slots.append(.ready(HTTPResponseEncoder.continueBytes, close: false))
            case let .request(request, keepAlive):
                completedRequest = true
                receivedRequest = true
                let sequence = firstSequence + slots.count
                slots.append(.waiting(headOnly: request.method == .head, close: !keepAlive,
                                      keepAliveHeader: keepAlive && request.version == "HTTP/1.0"))
                dispatches.append(Dispatch(connection: id, sequence: sequence, request: request))
                if !keepAlive { acceptingRequests = false }
            case let .failure(failure):
                logger.debug("http request refused", [("status", "\(failure.status)"), ("reason", failure.message)])
                appendError(failure.response)
            }
        }
        let phase = parser.phase
        if phase != lastPhase || completedRequest {
            switch phase {
            case .head: phaseDeadline = now + configuration.headerTimeout
            case .body: phaseDeadline = now + configuration.bodyTimeout
            case .idle, .failed: phaseDeadline = nil
            }
            lastPhase = phase
        }
        promoteReady()
        flush(now: now)
    }

    private func peerDidClose(now: ContinuousClock.Instant, dispatches: inout [Dispatch]) {
        peerClosed = true
        if lingerDeadline != nil { return close() }
        // Requests that arrived complete are still answered; a partial one is dropped.
        pump(now: now, dispatches: &dispatches)
        acceptingRequests = false
        if slots.isEmpty && !wantsWrite { close() }
    }

    private func appendError(_ response: HTTPResponse) {
        acceptingRequests = false
        let encoded = HTTPResponseEncoder.encode(response, headOnly: false, close: true, keepAliveHeader: false,
                                                 date: date.now())
        slots.append(.ready(encoded.bytes, close: true))
        promoteReady()
    }

    /// Moves responses that are ready, in order, to the output buffer.
    private func promoteReady() {
        while !closeAfterFlush, case let .ready(bytes, close)? = slots.first {
            slots.removeFirst()
            firstSequence += 1
            if outputOffset == output.count {
                output.removeAll(keepingCapacity: true)
                outputOffset = 0
            }
            output.append(contentsOf: bytes)
            if close {
                closeAfterFlush = true
                acceptingRequests = false
                slots.removeAll()
            }
        }
    }

    private func flush(now: ContinuousClock.Instant) {
        while !isClosed && outputOffset < output.count {
            let result = output.withUnsafeBytes { HTTPSystem.send(fd, UnsafeRawBufferPointer(rebasing: $0[outputOffset...])) }
            switch result {
            case .bytes(let count):
                outputOffset += count
                lastWriteProgress = now
                lastActivity = now
            case .wouldBlock, .endOfFile:
                return
            case .failure(let code):
                logger.debug("http connection write failed", [("errno", "\(code)")])
                return close()
            }
        }
        guard !isClosed else { return }
        output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
        outputOffset = 0
        if closeAfterFlush && lingerDeadline == nil {
            if peerClosed { return close() }
            HTTPSystem.shutdownWrite(fd)
            lingerDeadline = now + (forceClose || isRejection ? Self.shortLingerTime : Self.lingerTime)
        } else if peerClosed && slots.isEmpty {
            close()
        }
    }
}
