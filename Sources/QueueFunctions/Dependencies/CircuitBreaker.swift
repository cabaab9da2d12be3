import Foundation

/// The circuit breaker of one dependency, as a pure state machine: closed (receiving),
/// open (not receiving until a probe is due), half-open (one trial batch out).
///
/// Each event is a mutating method that returns the transition it caused, if any, for
/// the caller to report; the caller passes the time.
struct CircuitBreaker: Sendable, Equatable {
    /// Where the breaker is.
    enum State: Sendable, Equatable {
        /// Receiving normally.
        case closed
        /// Not receiving since `since`, until a probe at `probeAt`.
        case open(since: Date, probeAt: Date, reason: String)
        /// One trial batch is out; the breaker opened at `since`.
        case halfOpen(since: Date)
    }

    /// A change of state, with its reason, for events and logs.
    struct Transition: Sendable, Equatable {
        /// The state it moved to.
        var to: State
        /// Why, in words.
        var reason: String
    }

    let config: BreakerConfig
    /// The shortest time the breaker stays open after a reported outage.
    static let shortestOpen: Duration = .seconds(1)
    private(set) var state: State = .closed
    /// Finished messages in the current window.
    private var windowStart: Date?
    private var succeeded = 0
    private var failed = 0

    init(config: BreakerConfig) {
        self.config = config
    }

    /// How many messages may be received now, of `wanted`: all while closed, one when a
    /// probe is due (moving to half-open), none while open or while a probe is out.
    mutating func admit(_ wanted: Int, now: Date) -> (allowed: Int, transition: Transition?) {
        switch state {
        case .closed:
            return (wanted, nil)
        case .halfOpen:
            return (0, nil)
        case .open(let since, let probeAt, _):
            guard now >= probeAt, wanted > 0 else { return (0, nil) }
            state = .halfOpen(since: since)
            return (1, Transition(to: state, reason: "probing with one trial message"))
        }
    }

    /// The probe admitted by ``admit(_:now:)`` found no message to receive: open again,
    /// due at once, so the next receive probes.
    mutating func probeNotUsed(now: Date) {
        if case .halfOpen(let since) = state {
            state = .open(since: since, probeAt: now, reason: "probe found no message")
        }
    }

    /// Records finished messages: `succeeded` and `failed` counts, and whether a handler
    /// reported the dependency down (`outage`).
    mutating func record(succeeded: Int, failed: Int, outage: DependencyUnavailable?, now: Date) -> Transition? {
        if let outage {
            // At least a second: a `retryAfter` of zero must not turn probes into a spin.
            let delay = max(outage.retryAfter ?? config.openFor, Self.shortestOpen)
            return open(now: now, delay: delay, reason: outage.description)
        }
        switch state {
        case .halfOpen:
            if failed > 0 {
                return open(now: now, delay: config.openFor, reason: "the probe failed")
            }
            guard succeeded > 0 else { return nil }
            state = .closed
            resetWindow(now)
            return Transition(to: .closed, reason: "the probe succeeded")
        case .open:
            return nil
        case .closed:
            guard config.enabled else { return nil }
            if let start = windowStart, now.timeIntervalSince(start) >= config.window.timeInterval { resetWindow(now) }
            if windowStart == nil { resetWindow(now) }
            self.succeeded += succeeded
            self.failed += failed
            let total = self.succeeded + self.failed
            guard total >= config.minimumCalls, Double(self.failed) >= config.failureRatio * Double(total) else { return nil }
            let text = "\(self.failed) of the last \(total) message(s) failed within \(DurationText.format(config.window))"
                + " (failure_ratio \(InputNumber.formatDecimal(config.failureRatio)))"
            return open(now: now, delay: config.openFor, reason: text)
        }
    }

    /// When the breaker next needs the time to move (the probe), if open.
    var probeAt: Date? {
        if case .open(_, let probeAt, _) = state { return probeAt }
        return nil
    }

    private mutating func open(now: Date, delay: Duration, reason: String) -> Transition? {
        guard config.enabled else { return nil }
        let since: Date
        switch state {
        case .open(let first, _, _), .halfOpen(let first): since = first
        case .closed: since = now
        }
        let wasOpen = if case .open = state { true } else { false }
        state = .open(since: since, probeAt: now.adding(delay), reason: reason)
        resetWindow(now)
        // An outage reported again while already open only moves the probe.
        return wasOpen ? nil : Transition(to: state, reason: reason)
    }

    private mutating func resetWindow(_ now: Date) {
        windowStart = now
        succeeded = 0
        failed = 0
    }
}
