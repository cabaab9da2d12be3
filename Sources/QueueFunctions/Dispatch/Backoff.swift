import Foundation

/// How long to wait before trying a failing operation again: capped exponential
/// growth with jitter, one step per consecutive failure.
///
/// A value type with no clock of its own: ``next(random:)`` answers the delay of the
/// next step and counts it; ``reset()`` starts again after a success. The wait itself
/// is ``HostClock/pause(for:)``, on the host clock's monotonic reading, so a backoff never
/// returns early because something unrelated (a visible message, a wall-clock change) happened.
package struct Backoff: Sendable, Equatable {
    /// The delay after the first failure.
    package var initial: Duration
    /// The longest delay.
    package var maximum: Duration
    /// The growth factor per failure.
    package var multiplier: Double
    /// The fraction of each delay that is randomized away (0…1), so that many
    /// workers failing together do not retry in lockstep.
    package var jitter: Double
    /// Consecutive failures so far (0 after a success).
    package private(set) var failures = 0

    /// Creates a backoff.
    package init(initial: Duration, maximum: Duration, multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
    }

    /// The backoff of a failing handler factory: 1s, doubling, at most 30s.
    package static var factory: Backoff { Backoff(initial: .seconds(1), maximum: .seconds(30)) }

    /// The backoff of a failing store call: 100ms, doubling, at most 10s.
    package static var store: Backoff { Backoff(initial: .milliseconds(100), maximum: .seconds(10)) }

    /// Counts one more failure and answers how long to wait before the next try.
    ///
    /// - Parameter random: A value in 0..<1 drawn by the caller (injected, so tests are exact);
    ///   0 gives the full exponential delay, values toward 1 shorten it by up to `jitter`.
    package mutating func next(random: Double) -> Duration {
        failures += 1
        let exponent = Double(min(failures - 1, 62))
        let seconds = min(initial.timeInterval * pow(multiplier, exponent), maximum.timeInterval)
        let unit = min(1, max(0, random.isFinite ? random : 0))
        return Duration(timeInterval: seconds * (1 - jitter * unit))
    }

    /// Starts again from the initial delay, after a success.
    package mutating func reset() {
        failures = 0
    }
}
