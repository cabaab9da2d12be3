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
    /// Where permits and tokens are kept when hosts share them (PostgreSQL); nil for this process only.
    private let shared: SharedLimits?

    /// The store that keeps a dependency's limits for every host, and this host's place in it.
    package struct SharedLimits: Sendable {
        /// The store.
        package var store: any SharedDependencyLimitStore
        /// This host's holder id.
        package var holder: String
        /// How long this host's permits last without a call.
        package var leaseFor: Duration

        /// Creates the shared limits of one host.
        package init(store: any SharedDependencyLimitStore, holder: String, leaseFor: Duration) {
            self.store = store
            self.holder = holder
            self.leaseFor = leaseFor
        }
    }

    /// A gate for `config`, on `clock`, recording breaker changes in `events`; with
    /// `shared`, permits and rate tokens are kept in the store for every host.
    package init(config: DependencyConfig, clock: any HostClock, events: HostEventLog, logger: QueueLogger, shared: SharedLimits? = nil) {
        self.config = config
        self.clock = clock
        self.events = events
        self.logger = logger.with("dependency", config.name)
        self.shared = shared
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

    /// Takes permits and tokens for up to `wanted` messages: in this process, or in the
    /// store when the hosts share the limits.
    package func admit(wanted: Int) async -> Grant {
        guard let shared else { return admitLocally(wanted: wanted) }
        let now = clock.now()
        let (allowed, transition) = state.withLock { $0.breaker.admit(wanted, now: now) }
        if let transition { report(transition, at: now) }
        guard allowed > 0 else {
            state.withLock { $0.waits += 1 }
            return Grant(count: 0, probe: false, wakeAt: state.withLock { $0.breaker.probeAt }, reason: "\(config.name) circuit breaker is open")
        }
        let probe = transition != nil
        let request = DependencyLimitRequest(dependency: config, holder: shared.holder, wanted: allowed, leaseFor: shared.leaseFor)
        do {
            let grant = try await shared.store.acquireDependency(request)
            state.withLock { state in
                if grant.granted == 0 {
                    state.waits += 1
                    if probe { state.breaker.probeNotUsed(now: now) }
                }
                state.inUse += grant.granted
                state.admitted += grant.granted
            }
            guard grant.granted > 0 else {
                return Grant(count: 0, probe: false, wakeAt: grant.nextTokenAt,
                             reason: "\(config.name) limits (shared by every host) are all in use")
            }
            return Grant(count: grant.granted, probe: probe, wakeAt: nil, reason: nil)
        } catch {
            if probe { state.withLock { $0.breaker.probeNotUsed(now: now) } }
            logger.warning("the store could not grant the dependency's shared limits; the worker waits and asks again",
                           [("error", "\(error)")])
            return Grant(count: 0, probe: false, wakeAt: now.adding(.seconds(1)), reason: "the store failed: \(error)")
        }
    }

    private func admitLocally(wanted: Int) -> Grant {
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
    package func giveBack(_ count: Int, probe: Bool) async {
        guard count > 0 else { return }
        let now = clock.now()
        state.withLock { state in
            state.inUse = max(0, state.inUse - count)
            state.admitted -= count
            state.bucket?.giveBack(count, now: now)
            if probe { state.breaker.probeNotUsed(now: now) }
        }
        await releaseShared(permits: count, tokens: count)
        changes.notify(Self.changeKey)
    }

    /// Returns the permits of `count` finished messages and records how they went.
    package func finish(_ count: Int, succeeded: Int, failed: Int, outage: DependencyUnavailable?) async {
        let now = clock.now()
        let transition = state.withLock { state in
            state.inUse = max(0, state.inUse - count)
            return state.breaker.record(succeeded: succeeded, failed: failed, outage: outage, now: now)
        }
        if let transition { report(transition, at: now) }
        if count > 0 { await releaseShared(permits: count, tokens: 0) }
        changes.notify(Self.changeKey)
    }

    /// Returns permits (and unused tokens) to the store; a failure is logged, and the
    /// permits come back by themselves when this host's lease lapses.
    private func releaseShared(permits: Int, tokens: Int) async {
        guard let shared else { return }
        do {
            try await shared.store.releaseDependency(config, holder: shared.holder, permits: permits, tokens: tokens, leaseFor: shared.leaseFor)
        } catch {
            logger.warning("the store could not take back the dependency's permits; they come back when this host's lease lapses",
                           [("permits", "\(permits)"), ("lease", DurationText.format(shared.leaseFor)), ("error", "\(error)")])
        }
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
