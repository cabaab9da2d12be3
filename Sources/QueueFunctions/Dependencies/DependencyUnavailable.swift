/// Thrown by a handler to say that a dependency is down: its circuit breaker opens at
/// once, every function using it stops receiving, and the message goes back to its
/// queue to be retried once a probe finds the dependency up again.
///
/// ```swift
/// guard response.status != 503 else {
///     throw DependencyUnavailable("billing-api", retryAfter: .seconds(30))
/// }
/// ```
///
/// The message's receive still counts (the store counts it when it is received, so
/// a crash cannot loop); what the breaker saves is every receive after it.
public struct DependencyUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dependency's name, as declared under `"dependencies"`.
    public var dependency: String
    /// When to probe again; nil for the breaker's `open_for`.
    public var retryAfter: Duration?
    /// Why, for logs and events.
    public var reason: String

    /// Reports `dependency` as down.
    ///
    /// - Parameters:
    ///   - dependency: Its name in `functions.json`.
    ///   - retryAfter: When to probe again (a `Retry-After` header); nil for the breaker's `open_for`.
    ///   - reason: Why, for logs and events.
    public init(_ dependency: String, retryAfter: Duration? = nil, reason: String = "reported unavailable by a handler") {
        self.dependency = dependency
        self.retryAfter = retryAfter
        self.reason = reason
    }

    /// `billing-api is unavailable: …; retry after 30s`.
    public var description: String {
        var text = "\(dependency) is unavailable: \(reason)"
        if let retryAfter { text += "; retry after \(DurationText.format(retryAfter))" }
        return text
    }
}
