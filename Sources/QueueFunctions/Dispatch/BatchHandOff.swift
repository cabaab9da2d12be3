import Foundation

/// The hand-off between a function's receiver and its workers, kept in the runner's
/// state under its one lock: batches leased for workers that have none, workers parked
/// until one arrives, and settlements of finished batches waiting for the receiver's
/// next store step.
struct BatchHandOff {
    /// A worker waiting for a batch; resumed with nil when it should exit.
    struct Parked {
        var workerID: Int
        var continuation: CheckedContinuation<[Lease]?, Never>
    }

    /// Leased batches no worker has taken yet, oldest first.
    var ready: [[Lease]] = []
    /// Workers waiting for a batch, in the order they parked.
    var parked: [Parked] = []
    /// Settlements handed over by workers, applied with the receiver's next store step.
    var finished: [SettlementPlanner.Planned] = []
    /// The receiver's current wait on the store or the clock, cancelled when there is
    /// something for it to do.
    var receiverWait: Task<Void, Never>?
    /// The receiver parked with nothing to do until a worker hands it work (no task, no timer).
    var receiverParked: CheckedContinuation<Void, Never>?
    /// Whether the receiver's wait may be cut short by work (false during a store backoff).
    var receiverWaitIsInterruptible = false
    /// Set when work arrived while the receiver was not waiting, so its next wait returns at once.
    var receiverKicked = false
    /// Whether the receiver is waiting with nothing to do, and until when at the latest.
    var receiverIdleUntil: Date?

    /// How long the last batch took in its handler, on the clock's monotonic reading:
    /// prefetching stops when batches are slow next to the visibility timeout.
    var lastBatchDuration: Duration = .zero

    /// How many leases to take in the next step: a batch for every parked worker, and,
    /// with `prefetchFor` workers, one batch ready ahead for each of them (Azure's
    /// prefetch), less what is already leased and waiting.
    func wanted(batchSize: Int, prefetchFor workers: Int) -> Int {
        let readyCount = ready.reduce(0) { $0 + $1.count }
        return max(0, max(parked.count, workers) * batchSize - readyCount)
    }

    /// Removes and returns what wakes the receiver so that it looks again, or remembers
    /// the kick when it is not waiting (or waiting out a store backoff).
    mutating func kickReceiver() -> ReceiverWake? {
        if let parked = receiverParked {
            receiverParked = nil
            receiverIdleUntil = nil
            return ReceiverWake(continuation: parked)
        }
        guard let wait = receiverWait, receiverWaitIsInterruptible else {
            // During a store backoff the receiver stays idle until its deadline: what was
            // handed over waits for it (nothing happens before the clock moves).
            receiverKicked = true
            return nil
        }
        receiverWait = nil
        receiverIdleUntil = nil
        return ReceiverWake(task: wait)
    }

    /// Takes the continuation of `workerID` if it is parked.
    mutating func unpark(_ workerID: Int) -> CheckedContinuation<[Lease]?, Never>? {
        guard let index = parked.firstIndex(where: { $0.workerID == workerID }) else { return nil }
        return parked.remove(at: index).continuation
    }
}

extension Array where Element == Lease {
    /// Splits leases into batches of at most `size`, in order.
    func batches(of size: Int) -> [[Lease]] {
        guard size > 0, count > size else { return isEmpty ? [] : [self] }
        return stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// What wakes a waiting receiver: its wait task to cancel, or its parked continuation.
struct ReceiverWake: Sendable {
    var task: Task<Void, Never>?
    var continuation: CheckedContinuation<Void, Never>?

    /// Wakes the receiver.
    func fire() {
        task?.cancel()
        continuation?.resume()
    }
}
