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
    /// The receiver's lanes: each runs one store step at a time, so a store that runs
    /// steps side by side (PostgreSQL's connections) has several in flight.
    var lanes: [ReceiverLane]
    /// Leases asked for by steps in flight, not yet handed out.
    var requested = 0

    /// How long the last batch took in its handler, on the clock's monotonic reading:
    /// prefetching stops when batches are slow next to the visibility timeout.
    var lastBatchDuration: Duration = .zero

    /// How many leases to take in the next step: a batch for every parked worker, and,
    /// with `prefetchFor` workers, one batch ready ahead for each of them (Azure's
    /// prefetch), less what is already leased and waiting or asked for by steps in flight.
    func wanted(batchSize: Int, prefetchFor workers: Int) -> Int {
        let readyCount = ready.reduce(0) { $0 + $1.count }
        return max(0, max(parked.count, workers) * batchSize - readyCount - requested)
    }

    /// Removes the newest ready batches while the rest still hold at least `keeping`
    /// leases: after workers retire or batches slow down, leases beyond what the remaining
    /// workers take soon go back instead of waiting towards their visibility timeout.
    mutating func takeExcess(keeping: Int) -> [[Lease]] {
        var readyCount = ready.reduce(0) { $0 + $1.count }
        var excess: [[Lease]] = []
        while let last = ready.last, readyCount - last.count >= keeping {
            excess.append(ready.removeLast())
            readyCount -= last.count
        }
        return excess
    }

    /// A hand-off for a receiver of `lanes` lanes.
    init(lanes: Int) {
        self.lanes = Array(repeating: ReceiverLane(), count: max(1, lanes))
    }

    /// Removes and returns what wakes one waiting lane so that it looks again, or, when
    /// none waits (all busy, or waiting out a store backoff), remembers the kick in every
    /// lane so that its next wait returns at once.
    mutating func kickReceiver() -> ReceiverWake? {
        for index in lanes.indices {
            if let parked = lanes[index].parked {
                lanes[index].parked = nil
                lanes[index].idleUntil = nil
                return ReceiverWake(continuation: parked)
            }
        }
        for index in lanes.indices {
            if let wait = lanes[index].wait, lanes[index].waitIsInterruptible {
                lanes[index].wait = nil
                lanes[index].idleUntil = nil
                return ReceiverWake(task: wait)
            }
        }
        // During a store backoff a lane stays idle until its deadline: what was handed
        // over waits for it (nothing happens before the clock moves).
        for index in lanes.indices { lanes[index].kicked = true }
        return nil
    }

    /// Removes and returns what wakes every waiting lane (a backoff only when the lane
    /// holds no settlements), and remembers the kick in the busy ones: at a stop each lane
    /// must see it to finish.
    mutating func kickEveryLane() -> [ReceiverWake] {
        var wakes: [ReceiverWake] = []
        for index in lanes.indices {
            lanes[index].kicked = true
            if let parked = lanes[index].parked {
                lanes[index].parked = nil
                lanes[index].idleUntil = nil
                wakes.append(ReceiverWake(continuation: parked))
            } else if let wait = lanes[index].wait, lanes[index].waitIsInterruptible || lanes[index].waitEndsAtStop {
                lanes[index].wait = nil
                lanes[index].idleUntil = nil
                wakes.append(ReceiverWake(task: wait))
            }
        }
        return wakes
    }

    /// Whether every lane waits with nothing to do until after `now`; a lane that is not
    /// waiting counts as idle only when no worker is left and nothing was handed over.
    func lanesIdle(now: Date, workersLeft: Bool) -> Bool {
        lanes.allSatisfy { lane in
            lane.idleUntil.map { $0 > now } ?? (!workersLeft && finished.isEmpty)
        }
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

/// One lane of a function's receiver: its wait, and whether work arrived while it was busy.
struct ReceiverLane {
    /// The lane's current wait on the store or the clock, cancelled when there is
    /// something for it to do.
    var wait: Task<Void, Never>?
    /// The lane parked with nothing to do until a worker hands it work (no task, no timer).
    var parked: CheckedContinuation<Void, Never>?
    /// Whether the wait may be cut short by work (false during a store backoff).
    var waitIsInterruptible = false
    /// Whether a stop cuts the wait short: every wait but a backoff that holds
    /// settlements, which are kept until they apply.
    var waitEndsAtStop = false
    /// Set when work arrived while the lane was not waiting, so its next wait returns at once.
    var kicked = false
    /// Whether the lane is waiting with nothing to do, and until when at the latest.
    var idleUntil: Date?
    /// Whether the lane's loop runs.
    var running = false
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
