import QueueFunctions
import QueueFunctionsHTTP
import Foundation
import Synchronization

/// The host's HTTP face: the manifest's producer routes, the admin API under
/// `/api/`, `/metrics` for Prometheus and the dashboard at `/`.
///
/// ```swift
/// let gateway = try Gateway(host: host, configuration: .init(server: .init(port: 0)))
/// try gateway.start()
/// print("dashboard at \(gateway.url)")
/// // …
/// await gateway.shutdown()
/// ```
///
/// Producer routes answer `202 Accepted` with `{"id": …, "queue": …}` once the store
/// has accepted the message, `400` for a body that is not JSON or does not decode as
/// the target function's message type, `404` listing the routes, `405` for another
/// method. An `Idempotency-Key` header (or the route's `idempotency_field`) makes a
/// retried post within `host.idempotency_window` answer with the original id.
package final class Gateway: Sendable {
    /// The host served.
    package let host: FunctionHost
    /// The configuration the gateway was created with.
    package let configuration: Configuration

    private let server: HTTPServer
    private let router: CurrentRouter
    private let history: GatewayHistory
    private let sampler = Mutex<Task<Void, Never>?>(nil)

    /// Creates a gateway for `host`; nothing listens until ``start()``.
    ///
    /// - Parameters:
    ///   - host: The host whose queues and functions are served.
    ///   - configuration: Address, limits, admin token, allowed hosts and origins, and dashboard history.
    ///   - logger: Where the server logs; the host's logger by default.
    /// - Throws: ``GatewayError/adminTokenRequired(bind:)`` when the address is not a
    ///   loopback address and no token is given; ``GatewayError/invalidAdminToken(_:)``
    ///   for an unusable token; ``GatewayError/invalidAllowedHost(_:)`` or
    ///   ``GatewayError/invalidCORSOrigin(_:)`` for a malformed entry.
    package init(host: FunctionHost, configuration: Configuration = Configuration(), logger: QueueLogger? = nil) throws(GatewayError) {
        try Self.checkAccess(configuration)
        let browserGuard = try BrowserGuard(configuration)
        self.host = host
        self.configuration = configuration
        let history = GatewayHistory(capacity: configuration.historyLength)
        self.history = history
        let router = CurrentRouter(GatewayRouter(host: host, configuration: configuration, history: history, browserGuard: browserGuard))
        self.router = router
        server = HTTPServer(configuration: configuration.server, logger: HTTPServerLog(logger ?? host.logger)) { request in
            await router.value.respond(to: request)
        }
    }

    /// Checks that `configuration` protects the admin API well enough for its address:
    /// a usable token, and one at all unless the address is a loopback address; and that
    /// its allowed hosts and CORS origins are well formed.
    ///
    /// - Throws: ``GatewayError/adminTokenRequired(bind:)``, ``GatewayError/invalidAdminToken(_:)``,
    ///   ``GatewayError/invalidAllowedHost(_:)`` or ``GatewayError/invalidCORSOrigin(_:)``.
    package static func checkAccess(_ configuration: Configuration) throws(GatewayError) {
        _ = try BrowserGuard(configuration)
        if let token = configuration.adminToken, let problem = AdminAuth.problem(with: token) {
            throw .invalidAdminToken(problem)
        }
        let bind = configuration.server.host
        if configuration.adminToken == nil, !AdminAuth.isLoopback(bind) {
            throw .adminTokenRequired(bind: bind)
        }
    }

    /// Binds the address, starts serving on a thread of its own and starts sampling
    /// the dashboard's history; returns at once.
    ///
    /// - Throws: ``GatewayError/server(_:)`` naming the address when it cannot listen.
    package func start() throws(GatewayError) {
        do {
            try server.start()
        } catch {
            throw .server(error)
        }
        let history = history
        let host = host
        let interval = configuration.historyInterval
        sampler.withLock { $0 = Task { await history.run(host: host, interval: interval) } }
    }

    /// The port the gateway listens on (the one the system picked for port `0`).
    package var boundPort: Int { server.boundPort }

    /// The dashboard's address, such as `http://127.0.0.1:7071/`.
    package var url: String {
        let bind = configuration.server.host
        let shown = bind == "0.0.0.0" ? "127.0.0.1" : (bind == "::" ? "::1" : bind)
        return "http://\(HTTPServerError.endpoint(shown, boundPort))/"
    }

    /// Stops listening, lets running requests finish, and stops sampling. Safe to call more than once.
    package func shutdown() async {
        let task = sampler.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await server.shutdown()
        await task?.value
    }

    /// Answers one request as the running gateway would, without a socket (for tests).
    package func respond(to request: HTTPRequest) async -> HTTPResponse {
        await router.value.respond(to: request)
    }

    /// Serves the host's current manifest: call after ``FunctionHost/apply(_:)``, so that
    /// producer routes, body checks and the admin API follow it. Idempotency keys and
    /// counters carry over.
    package func manifestChanged() {
        let history = history
        router.replace { previous in
            GatewayRouter(host: host, configuration: configuration, history: history, browserGuard: previous.browserGuard, previous: previous)
        }
    }
}

/// The router requests go to now; a manifest reload swaps it.
private final class CurrentRouter: Sendable {
    private let current: Mutex<GatewayRouter>

    init(_ router: GatewayRouter) {
        current = Mutex(router)
    }

    var value: GatewayRouter { current.withLock { $0 } }

    func replace(_ next: (GatewayRouter) -> GatewayRouter) {
        current.withLock { $0 = next($0) }
    }
}
