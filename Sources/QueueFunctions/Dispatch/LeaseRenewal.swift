import Foundation
import Synchronization

/// The leases of one running batch, kept alive while its handler runs.
///
/// The runner renews them (``QueueStore/extend(_:visibilityTimeout:)``) when half the
/// visibility timeout is left, through the function's ``DeadlineScheduler``: a batch that
/// ends in time costs one registration, no timer and no store call. A renewal refused as
/// stale marks the lease lost, so its settlement is skipped instead of being refused later.
final class LeaseRenewal: Sendable {
    private struct State {
        var expiries: [LeaseToken: Date]
        var lost: Set<LeaseToken> = []
        var finished = false
        var scheduled: UInt64?
    }

    private let state: Mutex<State>

    /// Renewals stop at this time (Service Bus caps automatic lock renewal); nil for never.
    let until: Date?

    /// Starts tracking `leases`, renewing them until `until` at the latest.
    init(_ leases: [Lease], until: Date? = nil) {
        var expiries = [LeaseToken: Date](minimumCapacity: leases.count)
        for lease in leases { expiries[lease.token] = lease.expiresAt }
        state = Mutex(State(expiries: expiries))
        self.until = until
    }

    /// When the next renewal is due: when the earliest lease has `margin` left, but never
    /// sooner than `minimumGap` from `now` (so a failing renewal is not retried in a loop).
    /// Nil once finished or when every lease is lost.
    func nextRenewal(now: Date, margin: Duration, minimumGap: Duration) -> Date? {
        state.withLock { state in
            guard !state.finished else { return nil }
            let live = state.expiries.filter { !state.lost.contains($0.key) }
            guard let earliest = live.values.min() else { return nil }
            let due = max(earliest.adding(.zero - margin), now.adding(minimumGap))
            if let until, due > until { return nil }
            return due
        }
    }

    /// Remembers the scheduler entry of the next renewal.
    ///
    /// - Returns: false when the batch finished meanwhile: the caller cancels the entry.
    func setScheduled(_ id: UInt64) -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            state.scheduled = id
            return true
        }
    }

    /// The tokens to renew now: none once finished.
    var tokensToRenew: [LeaseToken] {
        state.withLock { state in
            state.finished ? [] : state.expiries.keys.filter { !state.lost.contains($0) }
        }
    }

    /// Records a renewal the store applied.
    func renewed(_ token: LeaseToken, until expiry: Date) {
        state.withLock { $0.expiries[token] = expiry }
    }

    /// Records a renewal refused as stale.
    ///
    /// - Returns: Whether the lease counts as lost: false when the batch had finished
    ///   already (its settlement, not a second delivery, made the token stale).
    func markLost(_ token: LeaseToken) -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            return state.lost.insert(token).inserted
        }
    }

    /// Stops renewing.
    ///
    /// - Returns: The current expiry of each lease, the lost ones, and the scheduler entry to cancel.
    func finish() -> (expiries: [LeaseToken: Date], lost: Set<LeaseToken>, scheduled: UInt64?) {
        state.withLock { state in
            state.finished = true
            return (state.expiries, state.lost, state.scheduled)
        }
    }
}
