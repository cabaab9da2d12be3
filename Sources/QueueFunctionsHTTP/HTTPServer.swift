import Foundation
import Synchronization

/// A small HTTP/1.1 server on the OS socket API, for the gateway, admin API,
/// metrics and dashboard.
///
/// One dedicated thread runs a `poll` loop over non-blocking sockets; it never
/// blocks Swift's cooperative pool. Each request is passed to `handler` in its own
/// `Task`, and the response goes back to the socket thread, which writes responses
/// in request order. Keep-alive, pipelining, chunked request bodies and
/// `Expect: 100-continue` are supported. Bad, oversized or slow requests get a
/// `4xx` with a JSON `{"error": …}` body and the connection is closed.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0)) { request in
///     .json("{\"path\": \(JSONText.string(request.path))}")
/// }
/// try server.start()
/// print("listening on port \(server.boundPort)")
/// await server.shutdown()
/// ```
package final class HTTPServer: Sendable {
    private enum Phase {
        case idle
        case running(HTTPLoopMailbox, port: Int)
        case finished(HTTPLoopMailbox, port: Int)
    }

    /// The configuration the server was created with.
    package let configuration: Configuration
    private let handler: @Sendable (HTTPRequest) async -> HTTPResponse
    private let logger: HTTPServerLog
    private let phase = Mutex(Phase.idle)

    /// Creates a server; nothing is opened until ``start()``.
    ///
    /// - Parameters:
    ///   - configuration: Address, limits and timeouts.
    ///   - logger: Where refused requests (debug) and socket trouble (warning) are logged.
    ///   - handler: Answers each request. Runs in a task; may run concurrently for
    ///     different connections.
    package init(configuration: Configuration, logger: HTTPServerLog = .disabled,
                handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger.with("component", "http")
    }

    /// Binds the address and starts serving on a thread of its own; returns at once.
    ///
    /// Binding is a quick system call; a host name other than `localhost` is resolved
    /// here, so prefer an IP address.
    /// - Throws: ``HTTPServerError``, for example ``HTTPServerError/addressInUse(host:port:)``
    ///   naming the address, or ``HTTPServerError/alreadyStarted``.
    package func start() throws(HTTPServerError) {
        guard case .idle = phase.withLock({ $0 }) else { throw .alreadyStarted }
        let (listener, port) = try HTTPListener.open(host: configuration.host, port: configuration.port)
        guard let pipe = HTTPSystem.makePipe() else {
            let code = errno
            HTTPSystem.close(listener)
            throw .socketFailure(operation: "pipe()", host: configuration.host, port: port, errno: code)
        }
        let mailbox = HTTPLoopMailbox(wakeFD: pipe.write)
        let claimed = phase.withLock { phase in
            guard case .idle = phase else { return false }
            phase = .running(mailbox, port: port)
            return true
        }
        guard claimed else {
            HTTPSystem.close(listener)
            HTTPSystem.close(pipe.read)
            mailbox.markExited()
            throw .alreadyStarted
        }
        var served = configuration
        let room = HTTPDescriptorLimit.ensure(connections: configuration.maxConnections)
        if room.connections < configuration.maxConnections {
            logger.warning("the open-file limit is too low for maxConnections; serving fewer connections at once. "
                + "Raise the limit (ulimit -n) to serve more", [("limit", "\(room.limit)"),
                ("max_connections", "\(configuration.maxConnections)"), ("serving", "\(room.connections)")])
            served.maxConnections = room.connections
        }
        let configuration = served
        let handler = handler
        let logger = logger
        let thread = Thread {
            Thread.current.name = "qf-http"
            HTTPEventLoop(listener: listener, wakeRead: pipe.read, mailbox: mailbox, configuration: configuration,
                          handler: handler, logger: logger).run()
        }
        thread.start()
        logger.debug("http server listening", [("address", HTTPServerError.endpoint(configuration.host, port))])
    }

    /// The port the server listens on: the one the system picked when the
    /// configuration says `0`, and the configured one before ``start()``.
    package var boundPort: Int {
        switch phase.withLock({ $0 }) {
        case .idle: configuration.port
        case .running(_, let port), .finished(_, let port): port
        }
    }

    /// Stops accepting connections, lets running handlers finish and their responses
    /// go out (with `Connection: close`), closes every socket, and returns once the
    /// socket thread has ended. Handlers still running after
    /// ``Configuration/shutdownGracePeriod`` are cancelled. Safe to call more than once.
    package func shutdown() async {
        let mailbox: HTTPLoopMailbox? = phase.withLock { phase in
            switch phase {
            case .idle: return nil
            case let .finished(mailbox, _): return mailbox
            case let .running(mailbox, port):
                phase = .finished(mailbox, port: port)
                return mailbox
            }
        }
        await mailbox?.stopAndWait()
    }
}
