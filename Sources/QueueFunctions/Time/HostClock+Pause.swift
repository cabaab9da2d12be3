import Foundation

extension HostClock {
    /// Waits on this clock until `deadline`, or until the calling task is cancelled,
    /// whichever comes first; never earlier for any other reason.
    ///
    /// This is the one wait every backoff uses. Stopping a worker cancels the task that
    /// pauses, so a stop ends the pause at once.
    ///
    /// - Returns: `true` when the deadline was reached, `false` when cancelled first.
    @discardableResult
    package func pause(until deadline: Date) async -> Bool {
        await pause(for: deadline.duration(since: now()))
    }

    /// Waits for `duration` on this clock's monotonic ``HostClock/uptime()`` (a wall-clock
    /// change neither shortens nor stretches it), or until the calling task is cancelled.
    ///
    /// - Returns: `true` when the time has passed, `false` when cancelled first.
    @discardableResult
    package func pause(for duration: Duration) async -> Bool {
        do {
            try await sleep(untilUptime: uptime() + duration)
            return !Task.isCancelled
        } catch {
            return false
        }
    }
}
