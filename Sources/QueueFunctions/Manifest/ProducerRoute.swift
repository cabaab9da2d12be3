/// A producer's route, `METHOD /path`, parsed and checked against the host's own paths.
struct ProducerRoute: Sendable, Hashable {
    /// The methods a producer route may use.
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// What the host serves itself: `/`, `/metrics`, `/api/…` and `/dashboard…`.
    static let reservedDescription = "/, /metrics, /api/… and /dashboard…"

    /// The HTTP method (`POST`).
    var method: String
    /// The path (`/imports`).
    var path: String

    /// Why a route was refused.
    struct Problem: Error, Sendable, Equatable {
        /// The diagnostic kind.
        var kind: ManifestDiagnostic.Kind
        /// What is wrong.
        var message: String
        /// What to do.
        var fix: String
    }

    /// Parses `text` (`POST /imports`).
    static func parse(_ text: String) -> Result<ProducerRoute, Problem> {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        let example = #"write it as "POST /imports": a method, one space, then a path starting with '/'"#
        guard parts.count == 2, let first = parts.first, let last = parts.last, !first.isEmpty, !last.isEmpty else {
            return .failure(Problem(kind: .invalidRoute, message: "route \(JSONText.string(text)) is not of the form METHOD /path", fix: example))
        }
        let method = String(first), path = String(last)
        guard methods.contains(method) else {
            let fix: String
            if methods.contains(method.uppercased()) {
                fix = "write the method in capitals: \(JSONText.string("\(method.uppercased()) \(path)"))"
            } else if let close = Suggestion.closest(to: method, in: methods) {
                fix = "did you mean \(close)? Methods are \(methods.joined(separator: ", "))"
            } else {
                fix = "use one of \(methods.joined(separator: ", "))"
            }
            return .failure(Problem(kind: .invalidRoute, message: "route \(JSONText.string(text)) has an unsupported method \(JSONText.string(method))", fix: fix))
        }
        guard path.hasPrefix("/") else {
            return .failure(Problem(kind: .invalidRoute, message: "route path \(JSONText.string(path)) does not start with '/'", fix: "write \(JSONText.string("\(method) /\(path)"))"))
        }
        if let bad = path.unicodeScalars.first(where: { !isPathScalar($0) }) {
            let shown = bad.properties.isWhitespace || bad.value < 0x20 ? "whitespace" : "'\(bad)'"
            return .failure(Problem(
                kind: .invalidRoute,
                message: "route path \(JSONText.string(path)) contains \(shown)",
                fix: "use a plain path of letters, digits and - . _ ~ /, with no spaces, query string or fragment"
            ))
        }
        let route = ProducerRoute(method: method, path: path)
        if route.isReserved {
            return .failure(Problem(
                kind: .reservedRoute,
                message: "route path \(JSONText.string(path)) is reserved by the host (\(reservedDescription))",
                fix: "choose a path outside them, such as \(route.alternativePath)"
            ))
        }
        return .success(route)
    }

    /// Whether the host serves this path itself.
    var isReserved: Bool {
        path == "/" || path == "/metrics" || path.hasPrefix("/metrics/") || path == "/api" || path.hasPrefix("/api/")
            || path.hasPrefix("/dashboard")
    }

    /// A nearby path that is not reserved (`/api/imports` → `/imports`).
    var alternativePath: String {
        let candidate = path.split(separator: "/").last.map { "/\($0)" } ?? "/jobs"
        return ProducerRoute(method: method, path: candidate).isReserved ? "/jobs" : candidate
    }

    private static func isPathScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) { return true }
        return "-._~/!$&'()*+,;=:@%".unicodeScalars.contains(scalar)
    }
}
