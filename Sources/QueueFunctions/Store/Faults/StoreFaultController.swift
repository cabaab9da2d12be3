import Foundation
import Synchronization

/// The shared, thread-safe state of fault injection: the rules, the seeded random
/// generator, the outage switch, the duplicates waiting to be delivered and the counts.
///
/// One controller can drive several ``StoreFaultInjector``s; tests keep a reference to
/// switch outages on and off and read what was injected.
package final class StoreFaultController: Sendable {
    private struct State {
        var rules: [StoreFaultRule]
        var events: [Int]
        var random: SplitMix64
        var outage = false
        var counts = StoreFaultCounts()
        var duplicates: [String: [Lease]] = [:]
    }

    /// What one call should suffer.
    package struct CallFaults: Sendable {
        /// The error to throw instead of calling the wrapped store.
        package var failure: QueueStoreError?
        /// Waits to make before the call.
        package var latencies: [(Duration, any HostClock)] = []
    }

    /// What happens to the leases one receive returned.
    package struct LeaseFaults: Sendable {
        /// Leases to lapse early, with how long after the receive.
        package var lapse: [(LeaseToken, Duration)] = []
    }

    /// The clock that outage windows are read on.
    package let clock: any HostClock
    /// Whether an outage also silences wake-ups: `waitForMessages` then waits out its
    /// deadline on ``clock``, as a waiter on an unreachable server would. Off, waiting
    /// passes through, as on a local store that is only locked.
    package let outagesSilenceWakeUps: Bool
    private let state: Mutex<State>

    /// Creates a controller with `rules`, drawing shares from a generator seeded with `seed`.
    package init(
        rules: [StoreFaultRule] = [], seed: UInt64 = 1, clock: any HostClock = SystemClock(), outagesSilenceWakeUps: Bool = false
    ) {
        self.clock = clock
        self.outagesSilenceWakeUps = outagesSilenceWakeUps
        state = Mutex(State(rules: rules, events: Array(repeating: 0, count: rules.count), random: SplitMix64(seed: seed)))
    }

    /// Whether an outage is on now: the switch, or a failing rule whose window holds the clock's time.
    package var isOutageNow: Bool {
        let now = clock.now()
        return state.withLock { state in
            state.outage || state.rules.contains { rule in
                guard case .fail = rule.effect, case .window(let from, let until) = rule.trigger else { return false }
                return now >= from && now < until
            }
        }
    }

    /// Adds a rule; it applies to the calls that start from now on.
    package func add(_ rule: StoreFaultRule) {
        state.withLock { state in
            state.rules.append(rule)
            state.events.append(0)
        }
    }

    /// Removes every rule (an outage switched on stays on).
    package func removeAllRules() {
        state.withLock { state in
            state.rules = []
            state.events = []
        }
    }

    /// Switches the outage on (every call fails with a retryable `unavailable` error) or off.
    package func setOutage(_ on: Bool) {
        state.withLock { $0.outage = on }
    }

    /// Whether the outage switch is on.
    package var isOutage: Bool { state.withLock { $0.outage } }

    /// What has been injected so far.
    package var counts: StoreFaultCounts { state.withLock { $0.counts } }

    /// Decides the faults of one call of `operation`: one kind, or several for a call
    /// that does several things (`settleAndReceive` is `[.settle, .receive]`); a rule
    /// applies when it targets any of them.
    package func callFaults(_ operation: StoreOperations, queue: String?) -> CallFaults {
        let now = clock.now()
        return state.withLock { state in
            state.counts.calls += 1
            var faults = CallFaults()
            if state.outage {
                state.counts.outageFailures += 1
                state.counts.retryableFailures += 1
                state.counts.failuresByOperation[operation.rawValue, default: 0] += 1
                faults.failure = Self.error(.unavailable, operation, queue, because: "the store is in an injected outage")
                return faults
            }
            for index in state.rules.indices where !state.rules[index].isLeaseFault {
                let rule = state.rules[index]
                guard !rule.operations.isDisjoint(with: operation), Self.fires(rule.trigger, index: index, now: now, in: &state) else { continue }
                switch rule.effect {
                case .fail(let kind):
                    guard faults.failure == nil else { continue }
                    if case .window = rule.trigger { state.counts.outageFailures += 1 }
                    let error = Self.error(kind, operation, queue, because: "an injected fault fired")
                    if error.isRetryable { state.counts.retryableFailures += 1 } else { state.counts.fatalFailures += 1 }
                    state.counts.failuresByOperation[operation.rawValue, default: 0] += 1
                    faults.failure = error
                case .latency(let duration, let clock):
                    state.counts.delayedCalls += 1
                    faults.latencies.append((duration, clock))
                case .lapseLease, .duplicate:
                    break
                }
            }
            return faults
        }
    }

    /// Decides the faults of the leases one receive from `queue` returned: lapses are
    /// returned for the caller to apply, duplicates are kept for the next receive.
    package func leaseFaults(_ leases: [Lease], queue: String) -> LeaseFaults {
        guard !leases.isEmpty else { return LeaseFaults() }
        let now = clock.now()
        return state.withLock { state in
            var faults = LeaseFaults()
            for index in state.rules.indices where state.rules[index].isLeaseFault {
                let rule = state.rules[index]
                guard rule.operations.contains(.receive) else { continue }
                for lease in leases where Self.fires(rule.trigger, index: index, now: now, in: &state) {
                    switch rule.effect {
                    case .lapseLease(let after):
                        state.counts.lapsedLeases += 1
                        faults.lapse.append((lease.token, after))
                    case .duplicate:
                        state.counts.duplicatedLeases += 1
                        state.duplicates[queue, default: []].append(lease)
                    case .fail, .latency:
                        break
                    }
                }
            }
            return faults
        }
    }

    /// Takes up to `limit` duplicates waiting for `queue`.
    package func takeDuplicates(for queue: String, limit: Int) -> [Lease] {
        guard limit > 0 else { return [] }
        return state.withLock { state in
            guard var waiting = state.duplicates[queue], !waiting.isEmpty else { return [] }
            let taken = Array(waiting.prefix(limit))
            waiting.removeFirst(taken.count)
            state.duplicates[queue] = waiting.isEmpty ? nil : waiting
            return taken
        }
    }

    /// Whether duplicates wait for `queue`.
    package func hasDuplicates(for queue: String) -> Bool {
        state.withLock { !($0.duplicates[queue]?.isEmpty ?? true) }
    }

    private static func fires(_ trigger: StoreFaultTrigger, index: Int, now: Date, in state: inout State) -> Bool {
        switch trigger {
        case .always:
            return true
        case .rate(let share):
            return share > 0 && state.random.unit() < share
        case .onEvent(let n):
            state.events[index] += 1
            return state.events[index] == n
        case .everyEvent(let n):
            state.events[index] += 1
            return n > 0 && state.events[index] % n == 0
        case .window(let from, let until):
            return now >= from && now < until
        }
    }

    private static func error(_ kind: QueueStoreError.Kind, _ operation: StoreOperations, _ queue: String?, because reason: String) -> QueueStoreError {
        let target = queue.map { " on queue '\($0)'" } ?? ""
        let advice = QueueStoreError(kind, "").isRetryable ? "retryable: the same call may succeed after a backoff" : "fatal"
        return QueueStoreError(kind, "injected \(kind) failure of \(operation.names)\(target): \(reason) (\(advice))")
    }
}
