import Foundation

/// When a broken connection may be opened again: at once after a connection that worked
/// broke, then after 50 ms, 100 ms, … doubling up to `maximum` while attempts keep failing.
///
/// A value type so that the rule is tested without sleeping.
struct PostgresReconnectBackoff: Sendable, Equatable {
    /// The first wait after a failed attempt.
    var initial: Duration = .milliseconds(50)
    /// The longest wait.
    var maximum: Duration = .seconds(5)
    /// Failed attempts in a row.
    private(set) var failures = 0
    /// No attempt before this instant.
    private(set) var notBefore: ContinuousClock.Instant?

    /// Whether an attempt may be made at `now`.
    func mayAttempt(at now: ContinuousClock.Instant) -> Bool {
        guard let notBefore else { return true }
        return now >= notBefore
    }

    /// Records a failed attempt at `now`; the next may be made after the returned delay.
    @discardableResult
    mutating func failed(at now: ContinuousClock.Instant) -> Duration {
        failures += 1
        let exponent = min(failures - 1, 20)
        let delay = min(maximum, initial * (1 << exponent))
        notBefore = now.advanced(by: delay)
        return delay
    }

    /// Records a successful attempt: the next failure may be retried at once.
    mutating func succeeded() {
        failures = 0
        notBefore = nil
    }
}
