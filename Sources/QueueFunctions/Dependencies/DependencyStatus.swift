import Foundation

/// A dependency as `status`, `/metrics` and the dashboard show it:
/// `billing-api: open since 12:01:00, next probe 12:01:05`.
public struct DependencyStatus: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The circuit breaker's state.
    public enum BreakerState: String, Sendable, Codable {
        /// Receiving normally.
        case closed
        /// Not receiving until the next probe.
        case open
        /// One trial message is out.
        case halfOpen = "half_open"
    }

    /// The dependency's name.
    public var name: String
    /// The breaker's state.
    public var state: BreakerState
    /// Messages in handlers now, holding a permit.
    public var inUse: Int
    /// Messages admitted since the host started.
    public var admitted: Int
    /// Times a worker was told to wait (permits, rate or breaker).
    public var waits: Int
    /// The concurrency limit, if any.
    public var maxConcurrency: Int?
    /// The rate limit, if any.
    public var rate: DependencyRate?
    /// When the breaker opened, while it is open or half-open.
    public var openSince: Date?
    /// When the next probe is due, while open.
    public var nextProbe: Date?
    /// Why the breaker opened.
    public var reason: String?

    /// Creates a status.
    public init(name: String, state: BreakerState, inUse: Int, admitted: Int, waits: Int) {
        self.name = name
        self.state = state
        self.inUse = inUse
        self.admitted = admitted
        self.waits = waits
    }

    /// `billing-api: open since 12:01:00, next probe 12:01:05 (billing-api is unavailable: …)`.
    public var description: String {
        switch state {
        case .closed:
            var limits: [String] = []
            if let maxConcurrency { limits.append("\(inUse)/\(maxConcurrency) in use") }
            if let rate { limits.append("rate \(rate)") }
            return "\(name): closed" + (limits.isEmpty ? "" : ", " + limits.joined(separator: ", "))
        case .open:
            var text = "\(name): open"
            if let openSince { text += " since \(Self.clockText(openSince))" }
            if let nextProbe { text += ", next probe \(Self.clockText(nextProbe))" }
            if let reason { text += " (\(reason))" }
            return text
        case .halfOpen:
            return "\(name): half-open since \(openSince.map(Self.clockText) ?? "?"), probing"
        }
    }

    /// A time of day in UTC (`12:01:05`).
    static func clockText(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = ((seconds % 86_400) + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d", day / 3600, day % 3600 / 60, day % 60)
    }
}
