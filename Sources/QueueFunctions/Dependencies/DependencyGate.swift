import Foundation
import Synchronization

/// The limits of one dependency, shared by every function of the host that uses it:
/// concurrency permits, rate tokens and the circuit breaker.
///
/// Workers ask it before they receive (``admit(wanted:)``), so a message waiting for a
/// permit stays in its queue, burns no receive and is not a failure. Permits are held
/// from admission until the batch finishes (``finish(_:succeeded:failed:outage:)``).
package final class DependencyGate: Sendable {
    private struct State {
        var inUse = 0
        var bucket: TokenBucket?
        var breaker: CircuitBreaker
        var admitted = 0
        var waits = 0
    }

    /// The dependency's configuration.
    package let config: DependencyConfig
    /// Notified under ``changeKey`` when a permit frees up or the breaker changes state.
    package let changes = QueueSignal()
    /// The key of ``changes``.
    package static let changeKey = "dependency"
    private let state: Mutex<State>
    private let clock: any HostClock
    private let events: HostEventLog
    private let logger: QueueLogger

    /// A gate for `config`, on `clock`, recording breaker changes in `events`.
    package init(config: DependencyConfig, clock: any HostClock, events: HostEventLog, logger: QueueLogger) {
        self.config = config
        self.clock = clock
        self.events = events
        self.logger = logger.with("dependency", config.name)
        let now = clock.now()
        state = Mutex(State(
            bucket: config.rate.map { TokenBucket(rate: $0, capacity: config.burst, now: now) },
            breaker: CircuitBreaker(config: config.breaker)
        ))
    }

    /// One gate's part of an admission.
    package struct Grant: Sendable {
        /// Messages admitted.
        var count: Int
        /// Whether the one message is the breaker's probe.
        var probe: Bool
        /// When to ask again when nothing was admitted; nil to wait for a change.
        var wakeAt: Date?
        /// Why nothing was admitted, for logs.
        var reason: String?
    }

    /// Takes permits and tokens for up to `wanted` messages.
    package func admit(wanted: Int) -> Grant {
        let now = clock.now()
        let (grant, transition) = state.withLock { state -> (Grant, CircuitBreaker.Transition?) in
            let (allowed, transition) = state.breaker.admit(wanted, now: now)
            guard allowed > 0 else {
                state.waits += 1
                return (Grant(count: 0, probe: false, wakeAt: state.breaker.probeAt, reason: "\(config.name) circuit breaker is open"), transition)
            }
            let probe = transition != nil
            var count = allowed
            if let limit = config.maxConcurrency { count = min(count, max(0, limit - state.inUse)) }
            guard count > 0 else {
                if probe { state.breaker.probeNotUsed(now: now) }
                state.waits += 1
                return (Grant(count: 0, probe: false, wakeAt: nil, reason: "\(config.name) has all \(config.maxConcurrency ?? 0) permits in use"),
                        probe ? nil : transition)
            }
            if state.bucket != nil {
                count = state.bucket?.take(count, now: now) ?? count
                guard count > 0 else {
                    if probe { state.breaker.probeNotUsed(now: now) }
                    state.waits += 1
                    let next = state.bucket?.nextToken(now: now)
                    return (Grant(count: 0, probe: false, wakeAt: next, reason: "\(config.name) rate \(config.rate.map(\.description) ?? "") reached"),
                            probe ? nil : transition)
                }
            }
            state.inUse += count
            state.admitted += count
            return (Grant(count: count, probe: probe, wakeAt: nil, reason: nil), transition)
        }
        if let transition { report(transition, at: now) }
        return grant
    }

    /// Returns what was admitted but not received: permits, tokens and an unused probe.
    package func giveBack(_ count: Int, probe: Bool) {
        guard count > 0 else { return }
        let now = clock.now()
        state.withLock { state in
            state.inUse = max(0, state.inUse - count)
            state.admitted -= count
            state.bucket?.giveBack(count, now: now)
            if probe { state.breaker.probeNotUsed(now: now) }
        }
        changes.notify(Self.changeKey)
    }

    /// Returns the permits of `count` finished messages and records how they went.
    package func finish(_ count: Int, succeeded: Int, failed: Int, outage: DependencyUnavailable?) {
        let now = clock.now()
        let transition = state.withLock { state in
            state.inUse = max(0, state.inUse - count)
            return state.breaker.record(succeeded: succeeded, failed: failed, outage: outage, now: now)
        }
        if let transition { report(transition, at: now) }
        changes.notify(Self.changeKey)
    }

    /// What the gate looks like now, for `status`, `/metrics` and the dashboard.
    package var status: DependencyStatus {
        state.withLock { state in
            var status = DependencyStatus(name: config.name, state: .closed, inUse: state.inUse, admitted: state.admitted, waits: state.waits)
            status.maxConcurrency = config.maxConcurrency
            status.rate = config.rate
            switch state.breaker.state {
            case .closed: break
            case .open(let since, let probeAt, let reason):
                status.state = .open
                status.openSince = since
                status.nextProbe = probeAt
                status.reason = reason
            case .halfOpen(let since):
                status.state = .halfOpen
                status.openSince = since
            }
            return status
        }
    }

    private func report(_ transition: CircuitBreaker.Transition, at now: Date) {
        let text: String
        switch transition.to {
        case .open(_, let probeAt, _):
            text = "\(config.name) circuit breaker opened: \(transition.reason); functions using it stop receiving; next probe at \(DependencyStatus.clockText(probeAt))"
            logger.warning("circuit breaker opened", [("reason", transition.reason), ("next_probe", "\(probeAt)")])
        case .halfOpen:
            text = "\(config.name) circuit breaker half-open: \(transition.reason)"
            logger.notice("circuit breaker half-open", [("reason", transition.reason)])
        case .closed:
            text = "\(config.name) circuit breaker closed: \(transition.reason); functions using it receive again"
            logger.notice("circuit breaker closed", [("reason", transition.reason)])
        }
        events.record(HostEvent(time: now, kind: .dependency, function: nil, message: text))
        changes.notify(Self.changeKey)
    }
}
