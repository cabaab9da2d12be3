import Foundation
import QueueFunctions

/// The faults a ``FaultyStore`` injects, the switch for an outage, and the counts of
/// what was injected. Keep a reference in the test to change faults while the host runs.
///
/// ```swift
/// let faults = StoreFaults(seed: 7, [
///     .failure(.unavailable, of: [.receive, .settle], when: .rate(0.05)),
///     .lapsedLease(when: .rate(0.01)),
/// ])
/// let host = try TestHost(manifest: manifest, registry: registry, storeFaults: faults)
/// faults.beginOutage()    // every call fails with a retryable error
/// faults.endOutage()
/// print(faults.counts.failures)
/// ```
public final class StoreFaults: Sendable {
    /// The kinds of store calls a fault targets.
    public struct Operations: OptionSet, Sendable, Hashable {
        /// The raw bits.
        public let rawValue: UInt16
        /// Creates a set from raw bits.
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// `send`.
        public static let send = Operations(rawValue: StoreOperations.send.rawValue)
        /// `receive` (and `settleAndReceive`).
        public static let receive = Operations(rawValue: StoreOperations.receive.rawValue)
        /// `settle` (and `settleAndReceive` when it has settlements).
        public static let settle = Operations(rawValue: StoreOperations.settle.rawValue)
        /// `extend`.
        public static let extend = Operations(rawValue: StoreOperations.extend.rawValue)
        /// `redrive`.
        public static let redrive = Operations(rawValue: StoreOperations.redrive.rawValue)
        /// `purge`.
        public static let purge = Operations(rawValue: StoreOperations.purge.rawValue)
        /// `peek`.
        public static let peek = Operations(rawValue: StoreOperations.peek.rawValue)
        /// `stats`.
        public static let stats = Operations(rawValue: StoreOperations.stats.rawValue)
        /// `queueNames`.
        public static let queueNames = Operations(rawValue: StoreOperations.queueNames.rawValue)
        /// What a worker does: receive, settle and extend.
        public static let dispatch: Operations = [.receive, .settle, .extend]
        /// Every operation.
        public static let all = Operations(rawValue: StoreOperations.all.rawValue)
    }

    /// One fault: what it does, to which calls, and when.
    public struct Fault: Sendable {
        let rule: StoreFaultRule

        /// The call throws `QueueStoreError(kind, …)` instead of reaching the store, so
        /// nothing was applied. `.busy` and `.unavailable` are retryable; other kinds are fatal.
        public static func failure(
            _ kind: QueueStoreError.Kind = .unavailable, of operations: Operations = .all, when trigger: FaultTrigger
        ) -> Fault {
            Fault(rule: StoreFaultRule(.fail(kind), operations: StoreOperations(rawValue: operations.rawValue), trigger: trigger.storeTrigger))
        }

        /// The call waits `duration` on `clock` before it reaches the store.
        ///
        /// On the real clock (the default) this is real latency, for runs against a real
        /// host. On a ``ManualClock`` the call waits until the test advances the clock
        /// past it (``TestHost/advance(by:)``), which lets a test hold a call mid-flight.
        public static func latency(
            _ duration: Duration, on clock: any HostClock = SystemClock(), of operations: Operations = .all,
            when trigger: FaultTrigger = .always
        ) -> Fault {
            Fault(rule: StoreFaultRule(
                .latency(duration, clock: clock), operations: StoreOperations(rawValue: operations.rawValue), trigger: trigger.storeTrigger
            ))
        }

        /// A received lease lapses `after` its receive (at once by default), although the
        /// lease handed out still shows the full visibility timeout: the message becomes
        /// visible again, may go to another worker while the first still runs it, and the
        /// first worker's settlement is refused as stale once it has been received again.
        /// The trigger is asked once per lease.
        public static func lapsedLease(after: Duration = .zero, when trigger: FaultTrigger) -> Fault {
            Fault(rule: StoreFaultRule(.lapseLease(after: after), operations: .receive, trigger: trigger.storeTrigger))
        }

        /// A received lease is handed out once more, with the same token, by the next
        /// receive from the same queue: the message is delivered twice, as SQS standard
        /// queues sometimes do. Whichever copy settles second is refused as stale.
        /// The trigger is asked once per lease.
        public static func duplicateDelivery(when trigger: FaultTrigger) -> Fault {
            Fault(rule: StoreFaultRule(.duplicate, operations: .receive, trigger: trigger.storeTrigger))
        }

        /// Every call fails with a retryable `unavailable` error while the clock of the
        /// faults reads from `start` up to `end`: a scheduled outage.
        public static func outage(from start: Date, until end: Date) -> Fault {
            failure(.unavailable, of: .all, when: .between(start, and: end))
        }
    }

    /// What has been injected so far.
    public struct Counts: Sendable, Equatable {
        /// Calls that reached the fault wrapper.
        public var calls: Int
        /// Calls failed with a retryable error, outages included.
        public var retryableFailures: Int
        /// Calls failed with a fatal error.
        public var fatalFailures: Int
        /// Calls failed by an outage (the switch or a scheduled one).
        public var outageFailures: Int
        /// Calls delayed by injected latency.
        public var delayedCalls: Int
        /// Leases made to lapse early.
        public var lapsedLeases: Int
        /// Leases delivered a second time.
        public var duplicatedLeases: Int

        /// Every failed call.
        public var failures: Int { retryableFailures + fatalFailures }

        private let byOperation: StoreFaultCounts

        /// Failed calls that did any of `operations` (a failed `settleAndReceive` with
        /// settlements counts for both `.settle` and `.receive`).
        public func failures(of operations: Operations) -> Int {
            byOperation.failures(of: StoreOperations(rawValue: operations.rawValue))
        }

        init(_ counts: StoreFaultCounts) {
            byOperation = counts
            calls = counts.calls
            retryableFailures = counts.retryableFailures
            fatalFailures = counts.fatalFailures
            outageFailures = counts.outageFailures
            delayedCalls = counts.delayedCalls
            lapsedLeases = counts.lapsedLeases
            duplicatedLeases = counts.duplicatedLeases
        }
    }

    let controller: StoreFaultController

    /// Creates faults.
    ///
    /// - Parameters:
    ///   - seed: Seeds the generator behind ``FaultTrigger/rate(_:)``.
    ///   - clock: The clock that ``FaultTrigger/between(_:and:)`` and scheduled outages
    ///     read; give the host's ``ManualClock`` in tests.
    ///   - faults: The faults to inject from the start.
    public init(seed: UInt64 = 1, clock: any HostClock = SystemClock(), _ faults: [Fault] = []) {
        controller = StoreFaultController(rules: faults.map(\.rule), seed: seed, clock: clock)
    }

    /// Adds `fault` for the calls that start from now on.
    public func inject(_ fault: Fault) {
        controller.add(fault.rule)
    }

    /// Removes every fault (an outage switched on stays on until ``endOutage()``).
    public func removeAll() {
        controller.removeAllRules()
    }

    /// Starts an outage: every call fails with a retryable `unavailable` error until
    /// ``endOutage()``. Waiting for messages is not affected.
    public func beginOutage() {
        controller.setOutage(true)
    }

    /// Ends the outage that ``beginOutage()`` started.
    public func endOutage() {
        controller.setOutage(false)
    }

    /// Whether an outage started with ``beginOutage()`` is on.
    public var isOutage: Bool { controller.isOutage }

    /// What has been injected so far.
    public var counts: Counts { Counts(controller.counts) }
}
