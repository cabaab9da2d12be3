import Foundation

/// The source of time for everything time-dependent in a host: leases, delays,
/// backoff, timeouts, batching windows and scaling intervals.
///
/// Production hosts use ``SystemClock``; tests and the simulator use
/// ``ManualClock`` so that time only moves when they say so.
public protocol HostClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date

    /// Suspends until `deadline` has been reached on this clock.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: Date) async throws

    /// A monotonic reading: the time since a fixed point of this clock, which never jumps
    /// when the wall clock is set. Deadlines, timeouts and backoff are measured on it;
    /// `now()` stays the time people and the store see.
    ///
    /// The default derives it from `now()`, which suits clocks that never go backwards
    /// (``ManualClock``); ``SystemClock`` reads `ContinuousClock`.
    func uptime() -> Duration

    /// Suspends until ``uptime()`` has reached `deadline`.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(untilUptime deadline: Duration) async throws
}

extension HostClock {
    /// The time since 1970 as a duration: monotonic for a clock that never goes backwards.
    public func uptime() -> Duration {
        Duration(timeInterval: now().timeIntervalSince1970)
    }

    /// Sleeps until `now()` has moved by what is left until `deadline`.
    public func sleep(untilUptime deadline: Duration) async throws {
        try await sleep(until: now().adding(deadline - uptime()))
    }
}

extension HostClock {
    /// Suspends for `duration` on this clock.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now().adding(duration))
    }
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemClock: HostClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public func now() -> Date { Date() }

    /// Sleeps with `Task.sleep` until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval <= 0 {
            try Task.checkCancellation()
            return
        }
        try await Task.sleep(for: .seconds(interval))
    }

    /// Where ``uptime()`` counts from: the first reading in this process.
    private static let origin = ContinuousClock.now

    /// The time since this process first read the clock, on `ContinuousClock`: setting
    /// the wall clock does not move it.
    public func uptime() -> Duration {
        ContinuousClock.now - Self.origin
    }

    /// Sleeps on `ContinuousClock` until ``uptime()`` reaches `deadline`.
    public func sleep(untilUptime deadline: Duration) async throws {
        try await Task.sleep(until: Self.origin + deadline, clock: .continuous)
    }
}

extension HostClock where Self == SystemClock {
    /// The real clock.
    public static var system: SystemClock { SystemClock() }
}
