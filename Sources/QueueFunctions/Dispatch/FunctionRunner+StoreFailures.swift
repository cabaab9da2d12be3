import Foundation

/// What a worker does when the store fails: back off on the clock for a retryable error,
/// keep finished settlements until they apply or their leases lapse, and stop the host
/// on a fatal error instead of looping on it.
extension FunctionRunner {
    /// Records a failed store call and answers how long to back off, or nil when the
    /// error is fatal (the host has been asked to stop).
    ///
    /// Logs once per backoff step, with the real delay of that step.
    func storeFailed(_ error: any Error, backoff: inout Backoff, doing action: String, keeping kept: Int) -> Duration? {
        let text = String(describing: error)
        if let storeError = error as? QueueStoreError, !storeError.isRetryable {
            logger.error("the store failed with an error that retrying cannot fix; the host stops",
                            [("queue", queue.name), ("while", action), ("error", text), ("unsettled_messages", "\(kept)")])
            environment.events.record(HostEvent(
                time: environment.clock.now(), kind: .failure, function: function.name,
                message: "store failed fatally while \(action): \(text); the host stops"
            ))
            environment.fatalStoreErrors.trip(storeError)
            return nil
        }
        let delay = backoff.next(random: environment.random())
        let now = environment.clock.now()
        let first = metrics.recordStoreFailure(text, at: now)
        if first {
            environment.events.record(HostEvent(
                time: now, kind: .failure, function: function.name,
                message: "store failing since \(now): \(text); backing off"
            ))
        }
        var fields: [(key: String, value: String)] = [("queue", queue.name), ("while", action), ("error", text),
                                          ("attempt", "\(backoff.failures)")]
        if kept > 0 { fields.append(("kept_settlements", "\(kept)")) }
        logger.error("store call failed; retrying after \(DurationText.format(delay))", fields)
        return delay
    }

    /// Clears the failing state after a store call succeeds again.
    func storeRecovered(_ backoff: inout Backoff) {
        guard backoff.failures > 0 else { return }
        logger.notice("store calls succeed again", [("queue", queue.name), ("failed_attempts", "\(backoff.failures)")])
        backoff.reset()
        metrics.update { $0.storeFailure = nil }
    }

    /// The settlements whose leases have not lapsed; the others are dropped with a warning
    /// and counted: their messages come back when the lease lapses (at-least-once).
    func dropLapsed(_ planned: [SettlementPlanner.Planned]) -> [SettlementPlanner.Planned] {
        let now = environment.clock.now()
        var live = planned.filter { $0.expiresAt > now }
        // A batch with an outbox settles whole or not at all: one lapsed lease drops it all.
        if live.count < planned.count, planned.contains(where: { !$0.outbox.isEmpty }) { live = [] }
        let dropped = planned.count - live.count
        if dropped > 0 {
            metrics.update { $0.droppedSettlements += dropped }
            logger.warning("gave up settling handled messages: their leases lapsed while the store failed; they are delivered again",
                           [("queue", queue.name), ("messages", "\(dropped)")])
        }
        return live
    }

    /// Applies planned settlements, retrying retryable store errors with backoff on the
    /// clock until they apply or their leases lapse. Only cancelling the task (a hard
    /// stop) cuts the retries short. Lease tokens make every retry idempotent.
    func apply(_ planned: [SettlementPlanner.Planned]) async {
        var pending = await sendPoisonCopies(planned)
        var backoff = Backoff.store
        while !pending.isEmpty {
            do {
                account(pending, results: try await settle(pending, thenReceive: 0).results)
                storeRecovered(&backoff)
                return
            } catch {
                pending = dropLapsed(pending)
                guard !pending.isEmpty,
                      let delay = storeFailed(error, backoff: &backoff, doing: "settling", keeping: pending.count)
                else { return }
                let lapse = pending.map(\.expiresAt).min() ?? environment.clock.now()
                guard await environment.clock.pause(for: min(delay, lapse.duration(since: environment.clock.now()))) else {
                    logger.warning("stopped settling handled messages: the host was cancelled; they are delivered again when their leases lapse",
                                   [("queue", queue.name), ("messages", "\(pending.count)")])
                    return
                }
            }
        }
    }
}
