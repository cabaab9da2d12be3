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

    /// One worker task: starts its handler (a cold start), then runs the batches the
    /// function's receiver hands it until retired or stopped. Finished settlements go back
    /// to the receiver, which applies them with its next lease; a batch whose handler sent
    /// messages is settled here, its outbox in the same store step.
    func workerLoop(_ workerID: Int) async {
        defer {
            state.withLock { _ = $0.workers.removeValue(forKey: workerID) }
            kickReceiver()
            environment.activity.notify(Self.activityKey)
        }
        guard let invoker = await startHandler(workerID) else { return }
        state.withLock { $0.workers[workerID]?.started = true }
        metrics.update { $0.workers += 1 }
        defer { metrics.update { $0.workers -= 1 } }
        let decoder = entry.coding.makeDecoder()
        while let leases = await nextBatch(workerID) {
            let gathered = await fillBatchingWindow(leases, workerID: workerID)
            let batch = await cutToPayloadLimit(gathered)
            if state.withLock({ $0.stopping }) {
                handOver(batch.map(planner.handBack))
                await releaseDependencies(gathered.count)
                break
            }
            let started = environment.clock.uptime()
            let planned = await process(batch, invoker: invoker, decoder: decoder)
            let took = environment.clock.uptime() - started
            state.withLock { $0.handOff.lastBatchDuration = took }
            // Dependency hook: the batch's permits go back and its outcome feeds the breaker.
            await finishDependencies(gathered.count, planned)
            if planned.contains(where: { !$0.outbox.isEmpty }) {
                await apply(planned)
            } else {
                handOver(planned)
            }
        }
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
