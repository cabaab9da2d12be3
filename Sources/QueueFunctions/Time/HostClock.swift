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
}

extension HostClock where Self == SystemClock {
    /// The real clock.
    public static var system: SystemClock { SystemClock() }
}
