import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// The admin API under `/api/`: queues and their counts, functions with their
/// workers and counters, dead-letter queues (list, redrive, purge), sending to any
/// queue, recent events and the dashboard's history. Every answer is JSON.
struct AdminAPI: Sendable {
    /// One endpoint: a method and a path pattern whose `{…}` segments match any name.
    struct Endpoint: Sendable, Hashable {
        var method: HTTPMethod
        var pattern: String

        init(_ method: HTTPMethod, _ pattern: String) {
            self.method = method
            self.pattern = pattern
        }

        /// `GET /api/queues/{queue}`.
        var description: String { "\(method) \(pattern)" }
    }

    /// Every endpoint, as listed by `GET /api` and in 404 answers.
    static let endpoints: [Endpoint] = [
        Endpoint(.get, "/api"),
        Endpoint(.get, "/api/host"),
        Endpoint(.get, "/api/queues"),
        Endpoint(.get, "/api/queues/{queue}"),
        Endpoint(.get, "/api/queues/{queue}/messages"),
        Endpoint(.post, "/api/queues/{queue}/messages"),
        Endpoint(.post, "/api/queues/{queue}/messages/{id}/cancel"),
        Endpoint(.get, "/api/functions"),
        Endpoint(.get, "/api/functions/{function}"),
        Endpoint(.get, "/api/topics"),
        Endpoint(.get, "/api/dlq"),
        Endpoint(.get, "/api/dlq/{queue}"),
        Endpoint(.post, "/api/dlq/{queue}/redrive"),
        Endpoint(.post, "/api/dlq/{queue}/purge"),
        Endpoint(.get, "/api/events"),
        Endpoint(.get, "/api/history"),
        Endpoint(.get, "/api/dependencies"),
    ]

    let host: FunctionHost
    let bodyCheck: MessageBodyCheck
    let history: GatewayHistory
    let historyInterval: Duration
    let startedAt: Date
    let adminTokenRequired: Bool
    let routes: [String]
    let reachability: StoreReachability

    /// Answers a request whose path is `/api` or starts with `/api/`.
    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        let method: HTTPMethod = request.method == .head ? .get : request.method
        let samePath = Self.endpoints.compactMap { endpoint in
            Self.match(endpoint.pattern, segments).map { (endpoint, $0) }
        }
        guard let (endpoint, names) = samePath.first(where: { $0.0.method == method }) else {
            if samePath.isEmpty {
                return .error(status: 404, "No admin endpoint at \(request.path). Admin endpoints: "
                    + Self.endpoints.map(\.description).joined(separator: ", ") + ".")
            }
            let allowed = samePath.map(\.0.method.rawValue)
            var response = HTTPResponse.error(status: 405, "\(request.path) does not take \(request.method); use "
                + allowed.joined(separator: " or ") + ".")
            response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            return response
        }
        do {
            return try await dispatch(endpoint, names: names, request: request)
        } catch let refusal as AdminRefusal {
            return refusal.response
        } catch {
            host.logger.error("admin request failed", [("path", request.path), ("error", "\(error)")])
            return .error(status: 503, "The store failed while answering \(request.method) \(request.path): \(error). "
                + "Check the store, then retry.")
        }
    }

    private func dispatch(_ endpoint: Endpoint, names: [String], request: HTTPRequest) async throws -> HTTPResponse {
        let name = names.first ?? ""
        switch (endpoint.method, endpoint.pattern) {
        case (.get, "/api"):
            return AdminResponses.json(["endpoints": Self.endpoints.map(\.description)])
        case (.get, "/api/host"):
            return try await hostInfo()
        case (.get, "/api/queues"):
            return AdminResponses.json(["queues": try await queueRows()])
        case (.get, "/api/queues/{queue}"):
            return AdminResponses.json(try await queueRow(try knownQueue(name)))
        case (.get, "/api/queues/{queue}/messages"):
            let queue = try knownQueue(name)
            return try await messages(of: queue.name, request: request)
        case (.post, "/api/queues/{queue}/messages"):
            return try await send(to: try knownQueue(name), request: request)
        case (.post, "/api/queues/{queue}/messages/{id}/cancel"):
            return try await cancel(names.count > 1 ? names[1] : "", on: try knownQueue(name))
        case (.get, "/api/functions"):
            return AdminResponses.json(["functions": try await functionRows(host.runners)])
        case (.get, "/api/functions/{function}"):
            guard let runner = host.runner(named: name) else { throw unknownFunction(name) }
            return AdminResponses.json(try await functionRows([runner])[0])
        case (.get, "/api/topics"):
            return AdminResponses.json(["topics": topicRows()])
        case (.get, "/api/dlq"):
            return AdminResponses.json(["dead_letter_queues": try await deadLetterQueues()])
        case (.get, "/api/dlq/{queue}"):
            return try await messages(of: deadLetterQueue(for: try knownQueue(name)), request: request)
        case (.post, "/api/dlq/{queue}/redrive"):
            return try await redrive(deadLetterQueue(for: try knownQueue(name)), request: request)
        case (.post, "/api/dlq/{queue}/purge"):
            let dlq = deadLetterQueue(for: try knownQueue(name))
            let count = try await host.store.purge(dlq)
            host.logger.notice("dead-letter queue purged from the admin API", [("queue", dlq), ("count", "\(count)")])
            return AdminResponses.json(AdminResponses.Moved(action: "purge", queue: dlq, count: count))
        case (.get, "/api/events"):
            return try events(request)
        case (.get, "/api/history"):
            return AdminResponses.json(HistoryBody(intervalSeconds: historyInterval.timeInterval, samples: history.all))
        case (.get, "/api/dependencies"):
            return AdminResponses.json(["dependencies": host.dependencies.map(AdminResponses.Dependency.init)])
        default:
            return .error(status: 500, "The admin endpoint \(endpoint.description) has no implementation. This is a bug; please report it.")
        }
    }

    /// The `{…}` values when `segments` fit `pattern`, else nil.
    private static func match(_ pattern: String, _ segments: [String]) -> [String]? {
        let parts = pattern.split(separator: "/")
        guard parts.count == segments.count else { return nil }
        var names: [String] = []
        for (part, segment) in zip(parts, segments) {
            if part.hasPrefix("{") {
                names.append(segment)
            } else if part != segment {
                return nil
            }
        }
        return names
    }

    private struct HistoryBody: Encodable {
        var intervalSeconds: Double
        var samples: [GatewayHistory.Sample]
    }
}

/// A request the admin API refuses, with its status and the reason.
struct AdminRefusal: Error, Sendable {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    var response: HTTPResponse { .error(status: status, message) }
}
