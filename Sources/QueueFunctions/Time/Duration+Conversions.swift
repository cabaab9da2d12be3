import Foundation

extension Duration {
    /// This duration in seconds, as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }

    /// Creates a duration from a number of seconds that may be fractional, to the nanosecond.
    ///
    /// Never traps: a value beyond about ±292 years is clamped to that limit, and NaN is zero.
    /// Numbers from outside are range-checked before they get here (``InputNumber``).
    public init(timeInterval: TimeInterval) {
        let nanoseconds = (timeInterval * 1e9).rounded()
        // Int64 bounds as Double; the upper one rounds up to 2^63, so compare with <.
        if nanoseconds.isNaN {
            self = .zero
        } else if nanoseconds >= 9.223_372_036_854_775_807e18 {
            self = .nanoseconds(Int64.max)
        } else if nanoseconds <= -9.223_372_036_854_775_808e18 {
            self = .nanoseconds(Int64.min)
        } else {
            self = .nanoseconds(Int64(nanoseconds))
        }
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
