import QueueFunctions
import QueueFunctionsHTTP

/// Keeps web pages the developer has open from using the host, as Jupyter, Vite and
/// webpack-dev-server do for their local servers.
///
/// - DNS rebinding: a page on `evil.example` whose name is made to resolve to
///   `127.0.0.1` sends `Host: evil.example`. Every request whose `Host` is not an allowed
///   name (see ``HTTPHostAllowList``) gets `421 Misdirected Request`.
/// - Cross-site request forgery: a page elsewhere can post a form or a `fetch` to the
///   host. A state-changing request (any method but `GET`, `HEAD`, `OPTIONS`, and every
///   producer route) whose `Origin` is not on an allowed host, or that the browser marks
///   `Sec-Fetch-Site: cross-site`, gets `403` — unless its origin was allowed with
///   `--cors-origin`. Requests without `Origin` (curl, scripts, the CLI) are not affected.
/// - CORS: for an allowed origin, preflights are answered and responses carry
///   `Access-Control-Allow-Origin`, so a local web front end can post work.
struct BrowserGuard: Sendable {
    /// The names the host answers to.
    let hosts: HTTPHostAllowList
    /// The origins whose pages may call the host across sites.
    let corsOrigins: Set<HTTPOrigin>

    /// What to do with a request.
    enum Verdict: Sendable {
        /// Answer with this response and do nothing else (a refusal or a preflight).
        case answer(HTTPResponse)
        /// Serve the request; `corsOrigin` is the `Origin` to allow in the response, if any.
        case proceed(corsOrigin: String?)
    }

    /// The methods and request headers a preflight allows.
    static let allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"
    static let allowedHeaders = "Content-Type, Idempotency-Key, Authorization"
    /// Response headers a cross-origin page may read.
    static let exposedHeaders = "X-Message-Id, Idempotent-Replayed, Retry-After"

    /// Builds the guard from the gateway's configuration.
    ///
    /// - Throws: ``GatewayError/invalidAllowedHost(_:)`` or ``GatewayError/invalidCORSOrigin(_:)``.
    init(_ configuration: Gateway.Configuration) throws(GatewayError) {
        do {
            hosts = try HTTPHostAllowList(bindAddress: configuration.server.host, names: configuration.allowedHosts)
        } catch {
            throw .invalidAllowedHost(error.name)
        }
        var origins: Set<HTTPOrigin> = []
        for text in configuration.corsOrigins {
            guard let origin = HTTPOrigin(text) else { throw .invalidCORSOrigin(text) }
            origins.insert(origin)
        }
        corsOrigins = origins
    }

    /// Checks `request`; `stateChanging` says whether serving it may change anything.
    func check(_ request: HTTPRequest, stateChanging: Bool) -> Verdict {
        // HTTP/1.1 requires Host (the parser refuses a request without one). An HTTP/1.0
        // request without it comes from a program, never from a browser, so it passes.
        if let host = request.headers["Host"], !hosts.permits(hostHeader: host) {
            return .answer(.error(status: 421, "Refused: 'Host: \(host.prefix(100))' is not a name of this host. "
                + "Requests must name it as one of: \(hosts.summary). This stops a web page from reaching the host "
                + "through a DNS name made to point at this machine (DNS rebinding). To use another name, start the "
                + "host with --allowed-host NAME (or QUEUEFUNCTIONS_ALLOWED_HOSTS=NAME,…)."))
        }
        let originText = request.headers["Origin"]
        let origin = originText.flatMap(HTTPOrigin.init)
        let corsAllowed = origin.map(corsOrigins.contains) ?? false
        if request.method == .options, request.headers.contains("Access-Control-Request-Method") {
            return .answer(preflight(originText: originText, allowed: corsAllowed))
        }
        if stateChanging && !corsAllowed {
            let site = request.headers["Sec-Fetch-Site"]?.lowercased()
            if site == "cross-site" {
                return .answer(crossSite(request, why: "the browser marked it 'Sec-Fetch-Site: cross-site'", origin: originText))
            }
            if let originText, !(origin.map { hosts.permits(name: $0.host) } ?? false) {
                return .answer(crossSite(request, why: "it came from a page on \(originText.prefix(200)) (its Origin header)",
                                         origin: originText))
            }
        }
        return .proceed(corsOrigin: corsAllowed ? originText : nil)
    }

    /// Adds the CORS headers a response to an allowed origin needs, and `Vary: Origin`
    /// whenever the answer depends on it.
    func decorate(_ response: inout HTTPResponse, corsOrigin: String?) {
        if let corsOrigin {
            response.headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: corsOrigin)
            response.headers.replaceOrAdd(name: "Access-Control-Expose-Headers", value: Self.exposedHeaders)
        }
        if !corsOrigins.isEmpty && !response.headers.containsToken("Origin", in: "Vary") {
            response.headers.add(name: "Vary", value: "Origin")
        }
    }

    private func preflight(originText: String?, allowed: Bool) -> HTTPResponse {
        guard allowed, let originText else {
            let shown = originText.map { "Pages on \($0.prefix(200))" } ?? "Pages on other origins"
            let flag = originText.flatMap(HTTPOrigin.init).map { "--cors-origin \($0)" } ?? "--cors-origin ORIGIN"
            var response = HTTPResponse.error(status: 403, "\(shown) may not call this host: no --cors-origin allows "
                + "them. To let a web front end at that origin post work, start the host with \(flag).")
            response.headers.add(name: "Vary", value: "Origin")
            return response
        }
        var response = HTTPResponse(status: 204)
        response.headers.add(name: "Access-Control-Allow-Origin", value: originText)
        response.headers.add(name: "Access-Control-Allow-Methods", value: Self.allowedMethods)
        response.headers.add(name: "Access-Control-Allow-Headers", value: Self.allowedHeaders)
        response.headers.add(name: "Access-Control-Max-Age", value: "600")
        response.headers.add(name: "Vary", value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        return response
    }

    private func crossSite(_ request: HTTPRequest, why: String, origin: String?) -> HTTPResponse {
        let flag = origin.flatMap(HTTPOrigin.init).map { "--cors-origin \($0)" } ?? "--cors-origin ORIGIN"
        return .error(status: 403, "Refused a cross-site \(request.method) \(request.path.prefix(200)): \(why), and "
            + "only pages on this host (\(hosts.summary)) may change anything here, so that a web page you have open "
            + "cannot send or purge messages. Requests without an Origin header (curl, scripts) are not affected. "
            + "To let a web front end at that origin call the host, start it with \(flag).")
    }
}
