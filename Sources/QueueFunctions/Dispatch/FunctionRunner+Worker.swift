import Foundation

extension FunctionRunner {
    /// What a worker waits for when it pauses.
    enum WaitCause {
        /// A message may have become visible (a send, a retry or lease coming due), or the deadline.
        case messages
        /// Only this much time on the clock's monotonic reading: a backoff, which nothing
        /// else may cut short but a retirement or a stop.
        case backoff(Duration)
        /// A dependency gate to change (a permit freed, the breaker moved), or the deadline.
        case dependency(DependencyGateSet, generations: [UInt64])
    }

    /// One worker task: starts its handler (a cold start), then loops until retired or stopped.
    func workerLoop(_ workerID: Int) async {
        defer {
            state.withLock { _ = $0.workers.removeValue(forKey: workerID) }
            environment.activity.notify(Self.activityKey)
        }
        guard let invoker = await startHandler(workerID) else { return }
        metrics.update { $0.workers += 1 }
        defer { metrics.update { $0.workers -= 1 } }
        let decoder = entry.coding.makeDecoder()
        // Settlements of the last batch, applied together with the next receive, and kept
        // (never thrown away) while the store fails with a retryable error.
        var finished: [SettlementPlanner.Planned] = []
        var storeBackoff = Backoff.store
        while !shouldExit(workerID) {
            let leases: [Lease]
            finished = await sendPoisonCopies(finished)
            // Dependency hook: how many messages this worker may receive now (FunctionRunner+Dependencies).
            let admission = await admitMessages(wanted: function.trigger.batchSize)
            do {
                let answer = try await settle(finished, thenReceive: admission.granted)
                await dependencyGates.received(answer.leases.count, of: admission)
                account(finished, results: answer.results)
                leases = answer.leases
                storeRecovered(&storeBackoff)
            } catch {
                await dependencyGates.received(0, of: admission)
                finished = dropLapsed(finished)
                let action = finished.isEmpty ? "receiving" : "settling and receiving"
                guard let delay = storeFailed(error, backoff: &storeBackoff, doing: action, keeping: finished.count) else {
                    break
                }
                await wait(workerID, until: environment.clock.now().adding(delay), markIdle: true, for: .backoff(delay))
                continue
            }
            finished = []
            if admission.granted == 0 {
                await waitForDependencies(workerID, admission)
                continue
            }
            if leases.isEmpty {
                await idle(workerID)
                continue
            }
            let gathered = await fillBatchingWindow(leases, workerID: workerID)
            let batch = await cutToPayloadLimit(gathered)
            if state.withLock({ $0.stopping }) {
                finished = batch.map(planner.handBack)
                await finishDependencies(gathered.count, [])
                break
            }
            finished = await process(batch, invoker: invoker, decoder: decoder)
            await finishDependencies(gathered.count, finished)
        }
        await apply(finished)
    }

    /// Calls the handler factory, backing off on the clock while it throws.
    private func startHandler(_ workerID: Int) async -> (any FunctionInvoker)? {
        var backoff = Backoff.factory
        while !shouldExit(workerID) {
            let started = environment.clock.uptime()
            do {
                let invoker = try await entry.makeInvoker()
                let seconds = (environment.clock.uptime() - started).timeInterval
                metrics.update {
                    $0.coldStarts += 1
                    $0.coldStartSeconds += seconds
                    $0.factoryFailure = nil
                }
                environment.events.record(HostEvent(
                    time: environment.clock.now(), kind: .coldStart, function: function.name,
                    message: "worker \(workerID) started \(entry.typeName) in \(String(format: "%.1f", seconds * 1000)) ms"
                ))
                logger.debug("cold start", [("worker", "\(workerID)"), ("duration_ms", String(format: "%.3f", seconds * 1000))])
                return invoker
            } catch {
                let delay = backoff.next(random: environment.random())
                let now = environment.clock.now()
                if metrics.recordFactoryFailure("\(error)", at: now) {
                    environment.events.record(HostEvent(
                        time: now, kind: .failure, function: function.name,
                        message: "handler factory \(entry.name) failing since \(now): \(error)"
                    ))
                }
                logger.error("handler factory failed; the worker retries after \(DurationText.format(delay))",
                             [("handler", entry.name), ("worker", "\(workerID)"), ("attempt", "\(backoff.failures)"),
                              ("error", "\(error)")])
                await wait(workerID, until: now.adding(delay), markIdle: true, for: .backoff(delay))
            }
        }
        return nil
    }

    /// Waits for messages (or the poll interval), marked idle so tests and the scaler see it.
    func idle(_ workerID: Int) async {
        await wait(workerID, until: environment.clock.now().adding(environment.idlePollInterval), markIdle: true, for: .messages)
    }

    /// Waits until `deadline` (or, for `.messages`, until a message may be visible);
    /// retiring or stopping cuts the wait short.
    func wait(_ workerID: Int, until deadline: Date, markIdle: Bool, for cause: WaitCause) async {
        let store = environment.store
        let clock = environment.clock
        let queueName = queue.name
        let task = Task(executorPreference: environment.taskExecutor) {
            switch cause {
            case .messages: await store.waitForMessages(on: queueName, until: deadline)
            case .backoff(let delay): await clock.pause(for: delay)
            case .dependency(let gates, let generations): await gates.waitForChange(until: deadline, clock: clock, generations: generations)
            }
        }
        let proceed = state.withLock { state in
            guard !state.stopping, state.workers[workerID]?.retiring == false else { return false }
            state.workers[workerID]?.wait = task
            state.workers[workerID]?.wakeAt = deadline
            if markIdle { state.workers[workerID]?.idle = true }
            return true
        }
        if !proceed { task.cancel() }
        if markIdle { environment.activity.notify(Self.activityKey) }
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { state in
            state.workers[workerID]?.wait = nil
            state.workers[workerID]?.wakeAt = nil
            state.workers[workerID]?.idle = false
        }
    }

    /// Gathers more messages for up to the batching window, until the batch is full.
    private func fillBatchingWindow(_ first: [Lease], workerID: Int) async -> [Lease] {
        let window = function.trigger.batchingWindow
        let size = function.trigger.batchSize
        guard window > .zero, first.count < size else { return first }
        var leases = first
        let windowEnd = environment.clock.now().adding(window)
        while leases.count < size, environment.clock.now() < windowEnd, !shouldExit(workerID) {
            await wait(workerID, until: windowEnd, markIdle: true, for: .messages)
            let admission = await admitMessages(wanted: size - leases.count)
            guard admission.granted > 0 else { break }
            do {
                let more = try await environment.store.receive(
                    from: queue.name, maxCount: admission.granted, visibilityTimeout: queue.visibilityTimeout
                )
                await dependencyGates.received(more.count, of: admission)
                leases += more
            } catch {
                await dependencyGates.received(0, of: admission)
                // The batch already leased runs as it is; the next receive backs off if the store still fails.
                logger.error("receive failed while filling the batching window; running the batch gathered so far",
                             [("queue", queue.name), ("messages", "\(leases.count)"), ("error", "\(error)")])
                break
            }
        }
        return leases
    }
}
