import QueueFunctions
import QueueFunctionsHTTP

/// Finds the manifest producer route a request is for.

struct ProducerRouter: Sendable {
    /// What a request's method and path match.
    enum Match: Sendable {
        /// A producer route.
        case producer(ProducerConfig)
        /// A producer path, but with another method; `allowed` are the methods it takes.
        case wrongMethod(allowed: [String])
        /// No producer route has this path.
        case none
    }

    /// The manifest's producers, in manifest order.
    let producers: [ProducerConfig]

    /// What `method` and `path` match. A trailing `/` is ignored (`/imports/` is `/imports`).
    func match(method: HTTPMethod, path: String) -> Match {
        let path = Self.normalized(path)
        let samePath = producers.filter { Self.normalized($0.path) == path }
        if let producer = samePath.first(where: { $0.method == method.rawValue }) { return .producer(producer) }
        if samePath.isEmpty { return .none }
        return .wrongMethod(allowed: samePath.map(\.method))
    }

    /// Every route, as written in the manifest (`POST /imports`).
    var routes: [String] { producers.map(\.route) }

    private static func normalized(_ path: String) -> Substring {
        path.count > 1 && path.hasSuffix("/") ? path.dropLast() : Substring(path)
    }
}
