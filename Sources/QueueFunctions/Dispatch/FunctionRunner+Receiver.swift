import Foundation

/// One receiver per function: it leases for every idle worker at once, hands each a
/// batch, and applies the settlements that workers hand back together with its next
/// lease, so several finished batches cost one store step (one transaction on SQLite
/// and PostgreSQL). Workers never receive on their own, so an idle host waits on one
/// wake-up per function instead of one per worker.
extension FunctionRunner {

    /// How many batches per worker to lease ahead: what the store asks for, fewer when
    /// batches are slow, so that a leased batch waits at most `limit` for its worker.
    static func prefetchDepth(store: Int, lastBatch: Duration, limit: Duration) -> Int {
        guard store > 0 else { return 0 }
        guard lastBatch > .zero else { return store }
        return min(store, Int(limit / lastBatch))
    }

    /// The most leases one receiver step takes.
    static let stepLimit = 1_000

    /// What the receiver waits for when it has nothing to do now.
    private enum ReceiverWait {
        /// Work from workers (a parked worker, finished settlements, a stop), or a message
        /// becoming visible, or the poll interval.
        case messages
        /// Work from workers or a stop only: no worker wants messages.
        case work
        /// A store backoff. Work from workers never cuts it short; a stop does when the
        /// lane holds no settlements (there is nothing to retry), and does not when it
        /// holds some (they are kept until they apply, or until a hard stop).
        case backoff(Duration, holdingSettlements: Bool)
        /// Work from workers, a stop, or a dependency gate changing (a permit freed, a rate
        /// token due, the breaker's probe), or the deadline.
        case dependency(DependencyGateSet.Admission)
    }

    /// Runs until the runner stops and every worker has exited, then hands back what is
    /// left. Store failures back off on the clock, keeping finished settlements until they
    /// apply or their leases lapse; a fatal store error stops the host.
    func receiverLoop(lane: Int) async {
        state.withLock { $0.handOff.lanes[lane].running = true }
        defer {
            state.withLock { $0.handOff.lanes[lane].running = false }
            environment.activity.notify(Self.activityKey)
        }
        let batchSize = function.trigger.batchSize
        // A batch leased n batches ahead waits about n batches' time before a worker takes
        // it: keep that under a tenth of the visibility timeout (renewal starts at half).
        let prefetchLimit = queue.visibilityTimeout / 10
        let prefetchBatches = environment.store.receivePrefetch
        var pending: [SettlementPlanner.Planned] = []
        var storeBackoff = Backoff.store
        while true {
            if Task.isCancelled {
                await apply(pending + (await takeEverythingBack()))
                return
            }
            let (handed, wanted, stopping, active, excess) = state.withLock {
                state -> ([SettlementPlanner.Planned], Int, Bool, Int, [[Lease]]) in
                let handed = state.handOff.finished
                state.handOff.finished = []
                state.handOff.lanes[lane].kicked = false
                let active = state.workers.values.count { !$0.retiring }
                let depth = prefetches ? Self.prefetchDepth(store: prefetchBatches, lastBatch: state.handOff.lastBatchDuration, limit: prefetchLimit) : 0
                let prefetch = state.workers.values.count { $0.started && !$0.retiring } * depth
                // With several lanes a step takes its share, so that the others have work too.
                let lanes = state.handOff.lanes.count
                let share = max(batchSize, (max(state.handOff.parked.count, prefetch) * batchSize + lanes - 1) / lanes)
                let wanted = state.stopping ? 0 : min(Self.stepLimit, share, state.handOff.wanted(batchSize: batchSize, prefetchFor: prefetch))
                // Asked for now: other lanes lease only the rest.
                state.handOff.requested += wanted
                // Fewer workers, or slower batches: what is leased beyond the target goes back.
                let excess = state.stopping ? [] : state.handOff.takeExcess(keeping: max(state.handOff.parked.count, prefetch) * batchSize)
                return (handed, wanted, state.stopping, active, excess)
            }
            pending += handed
            if !excess.isEmpty {
                let leases = excess.flatMap { $0 }
                await releaseDependencies(leases.count)
                pending += leases.map(planner.handBack)
            }
            // Batches leased for workers that have gone (stopping, retired) go back at once.
            if stopping || active == 0 { pending += await takeReadyBack() }
            if pending.isEmpty, wanted == 0 {
                if stopping, state.withLock({ $0.workers.isEmpty }) { return }
                await receiverPause(.work, lane: lane)
                continue
            }
            pending = await sendPoisonCopies(pending)
            // Dependency hook: receive only what the function's dependencies admit now.
            let admission = wanted > 0 ? await admitMessages(wanted: wanted) : DependencyGateSet.Admission(granted: 0)
            if wanted > 0, admission.granted == 0, pending.isEmpty {
                state.withLock { $0.handOff.requested -= wanted }
                await receiverPause(.dependency(admission), lane: lane)
                continue
            }
            do {
                let answer = try await settle(pending, thenReceive: admission.granted)
                await dependencyGates.received(answer.leases.count, of: admission)
                account(pending, results: answer.results)
                pending = []
                storeRecovered(&storeBackoff)
                if !answer.leases.isEmpty {
                    hand(answer.leases.batches(of: batchSize), requested: wanted)
                } else {
                    // Nothing visible. With no worker waiting the lease was a prefetch only:
                    // wait for a worker instead of watching the queue.
                    let waiting = state.withLock { state in
                        state.handOff.requested -= wanted
                        return !state.handOff.parked.isEmpty
                    }
                    if admission.granted > 0 { await receiverPause(waiting ? .messages : .work, lane: lane) }
                }
            } catch {
                state.withLock { $0.handOff.requested -= wanted }
                await dependencyGates.received(0, of: admission)
                pending = dropLapsed(pending)
                let action = pending.isEmpty ? "receiving" : "settling and receiving"
                guard let delay = storeFailed(error, backoff: &storeBackoff, doing: action, keeping: pending.count) else {
                    closeHandOff()
                    return
                }
                await receiverPause(.backoff(delay, holdingSettlements: !pending.isEmpty), lane: lane)
            }
        }
    }

    /// Gives leased batches to parked workers, oldest parked first; the rest wait in
    /// `ready`. `requested` leases were asked for by the step and are no longer in flight.
    private func hand(_ batches: [[Lease]], requested: Int) {
        var resumes: [(CheckedContinuation<[Lease]?, Never>, [Lease])] = []
        state.withLock { state in
            state.handOff.requested -= requested
            for batch in batches {
                if state.handOff.parked.isEmpty {
                    state.handOff.ready.append(batch)
                } else {
                    let worker = state.handOff.parked.removeFirst()
                    // Busy from now on, so the host is not seen quiet before the worker runs.
                    state.workers[worker.workerID]?.idle = false
                    state.workers[worker.workerID]?.wakeAt = nil
                    resumes.append((worker.continuation, batch))
                }
            }
        }
        for (continuation, batch) in resumes { continuation.resume(returning: batch) }
    }

    /// Takes the batches no worker took, as hand-backs (their receives given back).
    private func takeReadyBack() async -> [SettlementPlanner.Planned] {
        let ready = state.withLock { state in
            let ready = state.handOff.ready
            state.handOff.ready = []
            return ready
        }
        let leases = ready.flatMap { $0 }
        await releaseDependencies(leases.count)
        return leases.map(planner.handBack)
    }

    /// Everything the receiver still owes the store at a hard stop.
    private func takeEverythingBack() async -> [SettlementPlanner.Planned] {
        let handed = state.withLock { state in
            let handed = state.handOff.finished
            state.handOff.finished = []
            return handed
        }
        closeHandOff()
        return handed + (await takeReadyBack())
    }

    /// After a fatal store error or a hard stop: parked workers exit.
    private func closeHandOff() {
        let (parked, lanes) = state.withLock { state in
            state.stopping = true
            let parked = state.handOff.parked
            state.handOff.parked = []
            return (parked, state.handOff.kickEveryLane())
        }
        for worker in parked { worker.continuation.resume(returning: nil) }
        for lane in lanes { lane.fire() }
    }

    /// Waits as `cause` says; work handed over by workers cuts a `.messages` or `.work` wait short.
    private func receiverPause(_ cause: ReceiverWait, lane: Int) async {
        if case .work = cause {
            await receiverPark(lane: lane)
            return
        }
        let store = environment.store
        let clock = environment.clock
        let queueName = queue.name
        let now = clock.now()
        let deadline: Date
        switch cause {
        case .messages: deadline = now.adding(environment.idlePollInterval)
        case .work: return
        case .backoff(let delay, _): deadline = now.adding(delay)
        case .dependency(let admission):
            let poll = now.adding(environment.idlePollInterval)
            deadline = admission.wakeAt.map { min(max($0, now), poll) } ?? poll
        }
        let gates = dependencyGates
        let task = Task(executorPreference: environment.taskExecutor) {
            switch cause {
            case .messages: await store.waitForMessages(on: queueName, until: deadline)
            case .work: break
            case .backoff(let delay, _): await clock.pause(for: delay)
            case .dependency(let admission):
                await gates.waitForChange(until: deadline, clock: clock, generations: admission.generations)
            }
        }
        // Work cuts every wait short but a backoff; a stop cuts a backoff short only
        // when the lane holds no settlements.
        let interruptible: Bool
        let endsAtStop: Bool
        if case .backoff(_, let holding) = cause {
            interruptible = false
            endsAtStop = !holding
        } else {
            interruptible = true
            endsAtStop = true
        }
        let proceed = state.withLock { state in
            if state.stopping, endsAtStop { return false }
            if interruptible, state.handOff.lanes[lane].kicked { return false }
            state.handOff.lanes[lane].wait = task
            state.handOff.lanes[lane].waitIsInterruptible = interruptible
            state.handOff.lanes[lane].waitEndsAtStop = endsAtStop
            state.handOff.lanes[lane].idleUntil = deadline
            return true
        }
        if !proceed { task.cancel() }
        environment.activity.notify(Self.activityKey)
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { state in
            state.handOff.lanes[lane].wait = nil
            state.handOff.lanes[lane].idleUntil = nil
        }
    }

    /// Parks the receiver, with no task and no timer, until a worker hands it work, a
    /// worker parks, the pool changes or the runner stops.
    private func receiverPark(lane: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { state in
                    guard !state.handOff.lanes[lane].kicked, !Task.isCancelled else { return false }
                    state.handOff.lanes[lane].parked = continuation
                    state.handOff.lanes[lane].idleUntil = .distantFuture
                    return true
                }
                if parked {
                    environment.activity.notify(Self.activityKey)
                } else {
                    continuation.resume()
                }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                let parked = state.handOff.lanes[lane].parked
                state.handOff.lanes[lane].parked = nil
                return parked
            }?.resume()
        }
        state.withLock { $0.handOff.lanes[lane].idleUntil = nil }
    }

    /// Wakes the receiver: there is work for it (or a stop).
    func kickReceiver() {
        // While stopping, every lane must look again: the last of them to see no worker
        // and nothing handed over ends the receiver.
        let wakes = state.withLock { state in
            state.stopping ? state.handOff.kickEveryLane() : (state.handOff.kickReceiver().map { [$0] } ?? [])
        }
        for wake in wakes { wake.fire() }
    }

    /// Hands a finished batch's settlements to the receiver.
    func handOver(_ planned: [SettlementPlanner.Planned]) {
        guard !planned.isEmpty else { return }
        let wait = state.withLock { state in
            state.handOff.finished += planned
            return state.handOff.kickReceiver()
        }
        wait?.fire()
    }

    /// The next batch for `workerID`: a ready one, or the one the receiver leases for it
    /// while it waits parked. Nil when the worker should exit (retired, stopping).
    func nextBatch(_ workerID: Int) async -> [Lease]? {
        enum Take {
            case batch([Lease], ReceiverWake?)
            case exit
            case park
        }
        let take: Take = state.withLock { state in
            if state.stopping || state.workers[workerID]?.retiring != false { return .exit }
            if let batch = state.handOff.ready.first {
                state.handOff.ready.removeFirst()
                // The last prefetched batch gone: the receiver leases more while this one runs.
                return .batch(batch, state.handOff.ready.isEmpty ? state.handOff.kickReceiver() : nil)
            }
            return .park
        }
        switch take {
        case .batch(let batch, let wake):
            wake?.fire()
            return batch
        case .exit: return nil
        case .park: break
        }
        let batch: [Lease]? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Lease]?, Never>) in
                let outcome: (wait: ReceiverWake?, resume: [Lease]??) = state.withLock { state in
                    if state.stopping || state.workers[workerID]?.retiring != false || Task.isCancelled {
                        return (nil, .some(nil))
                    }
                    if let batch = state.handOff.ready.first {
                        state.handOff.ready.removeFirst()
                        return (nil, .some(batch))
                    }
                    state.handOff.parked.append(BatchHandOff.Parked(workerID: workerID, continuation: continuation))
                    state.workers[workerID]?.idle = true
                    state.workers[workerID]?.wakeAt = .distantFuture
                    return (state.handOff.kickReceiver(), nil)
                }
                if let resume = outcome.resume {
                    continuation.resume(returning: resume)
                } else {
                    outcome.wait?.fire()
                    environment.activity.notify(Self.activityKey)
                }
            }
        } onCancel: {
            state.withLock { $0.handOff.unpark(workerID) }?.resume(returning: nil)
        }
        state.withLock { state in
            state.workers[workerID]?.idle = false
            state.workers[workerID]?.wakeAt = nil
        }
        return batch
    }

    /// Resumes `workerID` with nil if it is parked: it exits.
    func releaseParked(_ workerID: Int) {
        state.withLock { $0.handOff.unpark(workerID) }?.resume(returning: nil)
    }
}
