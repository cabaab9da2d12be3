#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's socket thread: one `poll` loop over the listener, the wake pipe and
/// every connection, all non-blocking. It owns every descriptor and every
/// ``HTTPConnection``; it never awaits. Requests go to the handler in a `Task`
/// each, and responses come back through the ``HTTPLoopMailbox``.
///
/// Created and run on its own thread, so it needs no synchronisation of its own.
final class HTTPEventLoop {
    let listener: Int32
    private let wakeRead: Int32
    private let mailbox: HTTPLoopMailbox
    let configuration: HTTPServer.Configuration
    private let handler: @Sendable (HTTPRequest) async -> HTTPResponse
    let logger: HTTPServerLog
    private var listenerOpen = true
    var acceptPausedUntil: ContinuousClock.Instant?
    var connections: [Int: HTTPConnection] = [:]
    var nextConnectionID = 0
    /// A descriptor held in reserve: when `accept` fails for want of descriptors, closing
    /// it makes room to accept one connection and answer it `503` (see `HTTPEventLoop+Admission`).
    var spareDescriptor: Int32 = HTTPSystem.openSpareDescriptor()
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextTaskID = 0
    private var stopping = false
    private var cancelDeadline: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    /// Connections beyond `maxConnections` that may linger while receiving their `503`.
    static let rejectionSlots = 64

    init(listener: Int32, wakeRead: Int32, mailbox: HTTPLoopMailbox, configuration: HTTPServer.Configuration,
         handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse, logger: HTTPServerLog) {
        self.listener = listener
        self.wakeRead = wakeRead
        self.mailbox = mailbox
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
    }

    /// Serves until a stop is requested and every in-flight response is sent; then
    /// closes every descriptor and tells the mailbox.
    func run() {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer {
            scratch.deallocate()
            for connection in connections.values { connection.close() }
            if listenerOpen { HTTPSystem.close(listener) }
            if spareDescriptor >= 0 { HTTPSystem.close(spareDescriptor) }
            HTTPSystem.close(wakeRead)
            mailbox.markExited()
        }
        var fds: [pollfd] = []
        var owners: [HTTPConnection?] = []
        var dispatches: [HTTPConnection.Dispatch] = []
        while !(stopping && connections.isEmpty && tasks.isEmpty) {
            let now = clock.now
            fds.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            owners.append(nil)
            let acceptIndex: Int?
            if listenerOpen && (acceptPausedUntil.map { now >= $0 } ?? true) {
                acceptPausedUntil = nil
                acceptIndex = fds.count
                fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
                owners.append(nil)
            } else {
                acceptIndex = nil
            }
            for connection in connections.values {
                var events: Int16 = 0
                if connection.wantsRead { events |= Int16(POLLIN) }
                if connection.wantsWrite { events |= Int16(POLLOUT) }
                fds.append(pollfd(fd: connection.fd, events: events, revents: 0))
                owners.append(connection)
            }
            let ready = poll(&fds, nfds_t(fds.count), pollTimeout(now: now))
            if ready < 0 && errno != EINTR {
                logger.error("http event loop poll() failed; stopping the server", [("errno", "\(errno)")])
                stopping = true
                for connection in connections.values { connection.close() }
                connections.removeAll()
                cancelAll()
                break
            }
            let after = clock.now
            if fds[0].revents != 0 { HTTPSystem.drain(wakeRead) }
            let delivery = mailbox.take()
            for completion in delivery.completions {
                tasks[completion.task] = nil
                connections[completion.connection]?.complete(sequence: completion.sequence, response: completion.response,
                                                             now: after, dispatches: &dispatches)
            }
            if delivery.stopRequested && !stopping { beginStop(now: after) }
            if let acceptIndex, fds[acceptIndex].revents != 0, listenerOpen { acceptAll(now: after) }
            for index in fds.indices where fds[index].revents != 0 {
                guard let connection = owners[index], !connection.isClosed else { continue }
                let revents = fds[index].revents
                if revents & Int16(POLLNVAL) != 0 {
                    connection.close()
                    continue
                }
                if revents & Int16(POLLOUT) != 0 { connection.writable(now: after) }
                if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                    connection.readable(now: after, scratch: scratch, dispatches: &dispatches)
                }
            }
            for connection in connections.values { connection.checkTimeouts(now: after) }
            if let cancelDeadline, after >= cancelDeadline {
                self.cancelDeadline = nil
                logger.warning("http handlers still running after the shutdown grace period; cancelling them", [("count", "\(tasks.count)")])
                cancelAll()
            }
            for dispatch in dispatches { start(dispatch) }
            dispatches.removeAll(keepingCapacity: true)
            if stopping {
                for connection in connections.values where !connection.hasPendingResponses && !connection.wantsWrite {
                    connection.beginShutdown(now: after)
                }
            }
            if connections.values.contains(where: \.isClosed) { connections = connections.filter { !$0.value.isClosed } }
        }
    }

    private func start(_ dispatch: HTTPConnection.Dispatch) {
        let taskID = nextTaskID
        nextTaskID += 1
        let handler = handler
        let mailbox = mailbox
        let request = dispatch.request
        let connection = dispatch.connection
        let sequence = dispatch.sequence
        tasks[taskID] = Task {
            let response = await handler(request)
            mailbox.deliver(.init(connection: connection, sequence: sequence, task: taskID, response: response))
        }
    }

    private func cancelAll() {
        for task in tasks.values { task.cancel() }
    }

    private func beginStop(now: ContinuousClock.Instant) {
        stopping = true
        if listenerOpen {
            HTTPSystem.close(listener)
            listenerOpen = false
        }
        if !tasks.isEmpty { cancelDeadline = now + configuration.shutdownGracePeriod }
        for connection in connections.values { connection.beginShutdown(now: now) }
    }

    /// Milliseconds until the nearest deadline (capped at one second), for `poll`.
    private func pollTimeout(now: ContinuousClock.Instant) -> Int32 {
        var nearest = now + .seconds(1)
        for connection in connections.values {
            if let deadline = connection.nextDeadline, deadline < nearest { nearest = deadline }
        }
        if let acceptPausedUntil, acceptPausedUntil < nearest { nearest = acceptPausedUntil }
        if let cancelDeadline, cancelDeadline < nearest { nearest = cancelDeadline }
        let wait = nearest - now
        guard wait > .zero else { return 0 }
        let (seconds, attoseconds) = wait.components
        return Int32(min(1000, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}
