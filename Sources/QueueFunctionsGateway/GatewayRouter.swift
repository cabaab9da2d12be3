import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// Sends each request to the part of the gateway that answers it: the dashboard
/// at `/`, `/metrics`, the admin API under `/api/`, or a producer route.
struct GatewayRouter: Sendable {
    let host: FunctionHost
    let auth: AdminAuth
    let producers: ProducerRouter
    let endpoint: ProducerEndpoint
    let admin: AdminAPI
    let startedAt: Date
    let browserGuard: BrowserGuard
    let reachability: StoreReachability

    /// A router for the host's current manifest. After a manifest reload, pass the
    /// previous router as `previous`: its idempotency keys, counters and start time carry over.
    init(
        host: FunctionHost, configuration: Gateway.Configuration, history: GatewayHistory, browserGuard: BrowserGuard,
        previous: GatewayRouter? = nil
    ) {
        self.host = host
        self.browserGuard = browserGuard
        auth = AdminAuth(token: configuration.adminToken)
        producers = ProducerRouter(producers: host.manifest.producers)
        let bodyCheck = MessageBodyCheck(runners: host.runners)
        endpoint = ProducerEndpoint(
            queues: host.queues, clock: host.clock, bodyCheck: bodyCheck,
            idempotency: previous?.endpoint.idempotency ?? IdempotencyCache(window: host.manifest.host.idempotencyWindow),
            counters: previous?.endpoint.counters ?? ProducerCounters(), logger: host.logger.with("component", "gateway")
        )
        startedAt = previous?.startedAt ?? host.clock.now()
        let reachability = previous?.reachability ?? StoreReachability()
        self.reachability = reachability
        admin = AdminAPI(host: host, bodyCheck: bodyCheck, history: history, historyInterval: configuration.historyInterval,
                         startedAt: startedAt, adminTokenRequired: configuration.adminToken != nil,
                         routes: host.manifest.producers.map(\.route), reachability: reachability)
    }

    /// Answers `request`, after ``BrowserGuard`` has checked its `Host` and `Origin`.
    func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch browserGuard.check(request, stateChanging: isStateChanging(request)) {
        case .answer(let response):
            if response.status >= 400 {
                host.logger.notice("http request refused to protect the host from web pages", [
                    ("status", "\(response.status)"), ("method", request.method.rawValue), ("path", String(request.path.prefix(200))),
                    ("host", request.headers["Host"] ?? ""), ("origin", request.headers["Origin"] ?? ""),
                    ("remote", request.remoteAddress),
                ])
            }
            return response
        case .proceed(let corsOrigin):
            var response = await route(request)
            browserGuard.decorate(&response, corsOrigin: corsOrigin)
            return response
        }
    }

    /// Whether serving `request` may change anything: any method but `GET`, `HEAD` and
    /// `OPTIONS`, and every producer route whatever its method.
    private func isStateChanging(_ request: HTTPRequest) -> Bool {
        if ![.get, .head, .options].contains(request.method) { return true }
        if case .producer = producers.match(method: request.method, path: request.path) { return true }
        return false
    }

    private func route(_ request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        let isRead = request.method == .get || request.method == .head
        if path == "/" || path == "/dashboard" || path == "/dashboard/" {
            guard isRead else { return Self.methodNotAllowed(request, allowed: ["GET", "HEAD"]) }
            var response = HTTPResponse.html(DashboardPage.html)
            response.headers.add(name: "Cache-Control", value: "no-store")
            response.headers.add(name: "Content-Security-Policy",
                                 value: "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:")
            return response
        }
        if path == "/metrics" {
            guard isRead else { return Self.methodNotAllowed(request, allowed: ["GET", "HEAD"]) }
            if let refusal = auth.refusal(for: request) { return refusal }
            let text = await MetricsExposition.render(host: host, startedAt: startedAt, producers: host.manifest.producers,
                                                      counters: endpoint.counters, reachability: reachability)
            return HTTPResponse(status: 200, headers: ["Content-Type": PrometheusTextWriter.contentType], body: Data(text.utf8))
        }
        if path == "/api" || path.hasPrefix("/api/") {
            if let refusal = auth.refusal(for: request) { return refusal }
            if let refusal = AdminContentType.refusal(for: request) { return refusal }
            return await admin.respond(to: request)
        }
        switch producers.match(method: request.method, path: path) {
        case .producer(let producer):
            return await endpoint.respond(to: request, producer: producer)
        case .wrongMethod(let allowed):
            return Self.methodNotAllowed(request, allowed: allowed)
        case .none:
            return notFound(request)
        }
    }

    private func notFound(_ request: HTTPRequest) -> HTTPResponse {
        let routes = producers.routes
        let known = routes.isEmpty
            ? "This manifest declares no producer routes; add one under \"producers\" in functions.json, such as "
                + #"{"type": "http", "route": "POST /imports", "queue": "import-jobs"}."#
            : "Producer routes: \(routes.joined(separator: ", "))."
        let message = "No route for \(request.method) \(request.path). \(known) The host also serves GET / (dashboard), "
            + "GET /metrics and the admin API under /api/ (GET /api lists it)."
        let body = "{\"error\": \(JSONText.string(message)), \"routes\": [\(routes.map(JSONText.string).joined(separator: ", "))]}"
        return .json(status: 404, body)
    }

    static func methodNotAllowed(_ request: HTTPRequest, allowed: [String]) -> HTTPResponse {
        var response = HTTPResponse.error(status: 405, "\(request.path) does not take \(request.method); use \(allowed.joined(separator: " or ")).")
        response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
        return response
    }
}
