import Foundation

extension Duration {
    /// This duration in seconds, as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }

    /// Creates a duration from a number of seconds that may be fractional.
    public init(timeInterval: TimeInterval) {
        self = .nanoseconds(Int64((timeInterval * 1e9).rounded()))
    }

    /// Multiplies a duration by a floating-point factor.
    public func scaled(by factor: Double) -> Duration {
        Duration(timeInterval: timeInterval * factor)
    }
}

extension Date {
    /// This date moved forward by `duration`.
    public func adding(_ duration: Duration) -> Date {
        addingTimeInterval(duration.timeInterval)
    }

    /// The duration from `earlier` to this date (negative when `earlier` is later).
    public func duration(since earlier: Date) -> Duration {
        Duration(timeInterval: timeIntervalSince(earlier))
    }
}
