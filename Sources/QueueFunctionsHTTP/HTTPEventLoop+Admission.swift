#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Who gets in when the server is full.
///
/// Up to `maxConnections` connections are served at once. When a new client arrives at
/// the limit, the connection that has been idle longest (a keep-alive connection waiting
/// for its next request, or one that never sent a byte) is closed to make room, so idle
/// sockets cannot lock out new clients. Only when every connection is busy does the new
/// client get `503` with `Connection: close`, and its socket is closed at once (after a
/// short linger that keeps the `503` from being lost to a reset).
///
/// Running out of file descriptors is handled the same way: an idle connection is
/// reclaimed, else a descriptor kept in reserve is given up to accept the client and
/// answer it `503`, instead of leaving it to wait in the listen queue.
extension HTTPEventLoop {
    /// Accepts the connections waiting on the listener, at most 64 per turn of the loop
    /// so a flood of connects cannot starve the connections already open.
    func acceptAll(now: ContinuousClock.Instant) {
        for _ in 0..<64 {
            switch HTTPSystem.accept(listener) {
            case .wouldBlock:
                return
            case .failure(let code):
                if HTTPSystem.isOutOfDescriptors(code) {
                    if reclaimOldestIdle(now: now, reason: "out of file descriptors") { continue }
                    if refuseWithSpareDescriptor() { continue }
                }
                // Out of memory, or out of descriptors with none to spare: stop accepting
                // briefly instead of spinning.
                logger.warning("http accept() failed; pausing new connections for 100ms",
                               [("errno", "\(code)"), ("error", HTTPSystem.errorText(code))])
                acceptPausedUntil = now + .milliseconds(100)
                return
            case let .connection(fd, remote):
                admit(fd: fd, remote: remote, now: now)
            }
        }
    }

    /// The `503` for a client that finds every connection busy.
    var overLimitResponse: HTTPResponse {
        var response = HTTPResponse.error(status: 503, "The server already has \(configuration.maxConnections) open "
            + "connections (maxConnections), all busy with requests. Retry shortly; idle connections are closed to make room.")
        response.headers.add(name: "Retry-After", value: "1")
        return response
    }

    private func admit(fd: Int32, remote: String, now: ContinuousClock.Instant) {
        let id = nextConnectionID
        nextConnectionID += 1
        if activeCount >= configuration.maxConnections {
            _ = reclaimOldestIdle(now: now, reason: "maxConnections reached")
        }
        if activeCount < configuration.maxConnections {
            connections[id] = HTTPConnection(id: id, fd: fd, remoteAddress: remote, configuration: configuration,
                                             logger: logger, now: now)
            return
        }
        logger.notice("http connection refused: every connection is busy",
                      [("remote", remote), ("max_connections", "\(configuration.maxConnections)")])
        if connections.count - activeCount < Self.rejectionSlots {
            let connection = HTTPConnection(id: id, fd: fd, remoteAddress: remote, configuration: configuration,
                                            logger: logger, now: now, isRejection: true)
            connection.reject(overLimitResponse, now: now)
            connections[id] = connection
        } else {
            refuseAtOnce(fd)
        }
    }

    /// Connections that count toward `maxConnections`: open ones, not those only sent a `503`.
    private var activeCount: Int {
        connections.values.count { !$0.isRejection && !$0.isClosed }
    }

    /// Closes the connection idle longest, if any; whether one was closed.
    private func reclaimOldestIdle(now: ContinuousClock.Instant, reason: String) -> Bool {
        // A request may already wait in the socket's buffer, unread: such a connection is
        // not idle, and closing it would reset the client instead of answering it.
        let candidates = connections.values.filter(\.isIdle).sorted { $0.lastActive < $1.lastActive }
        guard let oldest = candidates.first(where: { !HTTPSystem.hasPendingInput($0.fd) }) else { return false }
        logger.debug("http idle connection closed to make room", [("remote", oldest.remoteAddress), ("reason", reason),
                                                                   ("idle", HTTPServerLog.format(now - oldest.lastActive))])
        oldest.close()
        connections[oldest.id] = nil
        return true
    }

    /// Gives up the spare descriptor to accept one client and answer it `503`; whether a
    /// client was taken off the listen queue.
    private func refuseWithSpareDescriptor() -> Bool {
        guard spareDescriptor >= 0 else { return false }
        HTTPSystem.close(spareDescriptor)
        spareDescriptor = -1
        defer { spareDescriptor = HTTPSystem.openSpareDescriptor() }
        guard case let .connection(fd, remote) = HTTPSystem.accept(listener) else { return false }
        logger.warning("http connection refused: the process is out of file descriptors; raise the limit (ulimit -n)",
                       [("remote", remote)])
        refuseAtOnce(fd)
        return true
    }

    /// Answers `503` and closes `fd` now, without keeping it: what the client already
    /// sent is read first, so the close does not turn into a reset that hides the answer.
    private func refuseAtOnce(_ fd: Int32) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<16 {
            let result = scratch.withUnsafeMutableBytes { HTTPSystem.read(fd, into: $0) }
            guard case .bytes = result else { break }
        }
        var date = HTTPDate()
        let encoded = HTTPResponseEncoder.encode(overLimitResponse, headOnly: false, close: true, keepAliveHeader: false,
                                                 date: date.now())
        _ = encoded.bytes.withUnsafeBytes { HTTPSystem.send(fd, $0) }
        HTTPSystem.shutdownWrite(fd)
        HTTPSystem.close(fd)
    }
}
