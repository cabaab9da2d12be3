import Foundation

/// The kinds of ``QueueStore`` calls a fault can target.
package struct StoreOperations: OptionSet, Sendable, Hashable {
    package let rawValue: UInt16

    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let send = StoreOperations(rawValue: 1 << 0)
    package static let receive = StoreOperations(rawValue: 1 << 1)
    package static let settle = StoreOperations(rawValue: 1 << 2)
    package static let extend = StoreOperations(rawValue: 1 << 3)
    package static let redrive = StoreOperations(rawValue: 1 << 4)
    package static let purge = StoreOperations(rawValue: 1 << 5)
    package static let peek = StoreOperations(rawValue: 1 << 6)
    package static let stats = StoreOperations(rawValue: 1 << 7)
    package static let queueNames = StoreOperations(rawValue: 1 << 8)
    /// Every operation.
    package static let all = StoreOperations(rawValue: (1 << 9) - 1)

    /// The operations' names, for messages (`receive, settle`).
    package var names: String {
        let named: [(StoreOperations, String)] = [
            (.send, "send"), (.receive, "receive"), (.settle, "settle"), (.extend, "extend"), (.redrive, "redrive"),
            (.purge, "purge"), (.peek, "peek"), (.stats, "stats"), (.queueNames, "queueNames"),
        ]
        return named.filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }
}

/// When a fault fires: each matching event (a call, or a lease for lease faults) asks
/// the trigger once.
package enum StoreFaultTrigger: Sendable, Equatable {
    /// Every matching event.
    case always
    /// A share (0…1) of matching events, drawn from the seeded generator.
    case rate(Double)
    /// Only the `n`-th matching event (1-based).
    case onEvent(Int)
    /// Every `n`-th matching event.
    case everyEvent(Int)
    /// Every matching event while the store's clock is in `from..<until`.
    case window(from: Date, until: Date)
}

/// What a fault does.
package enum StoreFaultEffect: Sendable {
    /// The call throws `QueueStoreError(kind, …)` before it reaches the wrapped store,
    /// so nothing was applied.
    case fail(QueueStoreError.Kind)
    /// The call waits `duration` on `clock` before it reaches the wrapped store.
    case latency(Duration, clock: any HostClock)
    /// A received lease lapses `after` its receive although the lease handed out says
    /// otherwise: the message becomes visible again while the caller still holds it.
    case lapseLease(after: Duration)
    /// A received lease is handed out again by the next receive from the same queue,
    /// with the same token: the message is delivered twice.
    case duplicate
}

/// One fault: what it does, to which calls, and when.
package struct StoreFaultRule: Sendable {
    /// What the fault does.
    package var effect: StoreFaultEffect
    /// The calls it targets (lease faults look only at receives).
    package var operations: StoreOperations
    /// When it fires.
    package var trigger: StoreFaultTrigger

    /// Creates a rule.
    package init(_ effect: StoreFaultEffect, operations: StoreOperations = .all, trigger: StoreFaultTrigger) {
        self.effect = effect
        self.operations = operations
        self.trigger = trigger
    }

    /// Whether the rule acts on leases (after a receive) rather than on calls.
    var isLeaseFault: Bool {
        switch effect {
        case .lapseLease, .duplicate: true
        case .fail, .latency: false
        }
    }
}

/// What a fault wrapper has injected so far.
package struct StoreFaultCounts: Sendable, Equatable {
    /// Calls that reached the wrapper.
    package var calls = 0
    /// Calls failed with a retryable error (outages included).
    package var retryableFailures = 0
    /// Calls failed with a fatal error.
    package var fatalFailures = 0
    /// Calls failed because an outage was on.
    package var outageFailures = 0
    /// Calls delayed by injected latency.
    package var delayedCalls = 0
    /// Leases made to lapse early.
    package var lapsedLeases = 0
    /// Leases delivered a second time.
    package var duplicatedLeases = 0
    /// Failed calls by operation (its raw value).
    package var failuresByOperation: [UInt16: Int] = [:]

    package init() {}

    /// Failed calls that did any of `operations` (a failed `settleAndReceive` with
    /// settlements counts for both `.settle` and `.receive`).
    package func failures(of operations: StoreOperations) -> Int {
        failuresByOperation.reduce(0) { total, entry in
            operations.isDisjoint(with: StoreOperations(rawValue: entry.key)) ? total : total + entry.value
        }
    }

    /// Every failed call.
    package var failures: Int { retryableFailures + fatalFailures }
}
