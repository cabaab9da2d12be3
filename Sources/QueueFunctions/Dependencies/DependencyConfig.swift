import Foundation

/// A downstream service that functions call (`billing-api`), with the limits every
/// function using it shares: how many messages may be in its handlers at once, how many
/// may start per period, and a circuit breaker that stops receiving while it is down.
///
/// Declared under `"dependencies"` in `functions.json`; a function names the ones it
/// uses in its own `"dependencies"` list.
public struct DependencyConfig: Sendable, Equatable {
    /// The dependency's name (`billing-api`).
    public var name: String
    /// The most messages, across every function using it, in handlers at once; nil for no limit.
    public var maxConcurrency: Int?
    /// The most messages handed to handlers per period (`50/s`); nil for no limit.
    public var rate: DependencyRate?
    /// How many messages may start at once after a quiet spell (the token bucket's size);
    /// defaults to 1, so the rate holds over every window of one period.
    public var burst: Int
    /// When receiving stops because the dependency is down.
    public var breaker: BreakerConfig

    /// Creates a dependency.
    public init(name: String, maxConcurrency: Int? = nil, rate: DependencyRate? = nil, burst: Int = 1, breaker: BreakerConfig = BreakerConfig()) {
        self.name = name
        self.maxConcurrency = maxConcurrency
        self.rate = rate
        self.burst = burst
        self.breaker = breaker
    }
}

/// A rate limit: `count` messages per `period` (`"50/s"`, `"600/m"`, `"5/200ms"`).
public struct DependencyRate: Sendable, Equatable, Codable, CustomStringConvertible {
    /// How many messages per period.
    public var count: Int
    /// The period.
    public var period: Duration

    /// Creates a rate of `count` per `period`.
    public init(count: Int, per period: Duration) {
        self.count = count
        self.period = period
    }

    /// Messages per second.
    public var perSecond: Double { Double(count) / period.timeInterval }

    /// The rate as written in the manifest (`50/s`).
    public var description: String {
        let text = DurationText.format(period)
        return text == "1s" ? "\(count)/s" : text == "1m" ? "\(count)/m" : text == "1h" ? "\(count)/h" : "\(count)/\(text)"
    }
}

/// When a dependency's circuit breaker opens and how it probes before closing again.
///
/// It opens at once when a handler throws ``DependencyUnavailable``, or when at least
/// `minimumCalls` messages finished within `window` and `failureRatio` of them failed.
/// While open, no function using the dependency receives; after `openFor` (or the
/// outage's own `retryAfter`) one trial batch of one message probes it (half-open),
/// and a success closes it.
public struct BreakerConfig: Sendable, Equatable {
    /// Whether the breaker is on (default true).
    public var enabled: Bool
    /// The share of failed messages that opens it, 0…1 (default 0.5).
    public var failureRatio: Double
    /// The fewest finished messages in the window before the ratio counts (default 10).
    public var minimumCalls: Int
    /// How long failures are counted for the ratio (default 10s).
    public var window: Duration
    /// How long it stays open before a probe (default 5s).
    public var openFor: Duration

    /// Creates a breaker configuration.
    public init(enabled: Bool = true, failureRatio: Double = 0.5, minimumCalls: Int = 10, window: Duration = .seconds(10), openFor: Duration = .seconds(5)) {
        self.enabled = enabled
        self.failureRatio = failureRatio
        self.minimumCalls = minimumCalls
        self.window = window
        self.openFor = openFor
    }
}
