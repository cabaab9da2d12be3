import Foundation

extension FunctionRunner {
    /// One worker task: starts its handler (a cold start), then loops until retired or stopped.
    func workerLoop(_ workerID: Int) async {
        metrics.update { $0.workers += 1 }
        defer {
            state.withLock { _ = $0.workers.removeValue(forKey: workerID) }
            metrics.update { $0.workers -= 1 }
            environment.activity.notify(Self.activityKey)
        }
        guard let invoker = await startHandler(workerID) else { return }
        let decoder = entry.coding.makeDecoder()
        // Settlements of the last batch, applied together with the next receive.
        var finished: [SettlementPlanner.Planned] = []
        while !shouldExit(workerID) {
            let leases: [Lease]
            await sendPoisonCopies(finished)
            do {
                let answer = try await environment.store.settleAndReceive(
                    finished.map(\.settlement), from: queue.name, maxCount: function.trigger.batchSize,
                    visibilityTimeout: queue.visibilityTimeout
                )
                account(finished, results: answer.results)
                leases = answer.leases
            } catch {
                logger.error("receive failed; retrying after the idle poll interval", [("queue", queue.name), ("error", "\(error)")])
                if !finished.isEmpty {
                    logger.error("settling a batch failed; its messages will be delivered again when their leases lapse",
                                 [("messages", "\(finished.count)")])
                }
                finished = []
                await idle(workerID)
                continue
            }
            finished = []
            if leases.isEmpty {
                await idle(workerID)
                continue
            }
            let batch = await cutToPayloadLimit(await fillBatchingWindow(leases, workerID: workerID))
            if state.withLock({ $0.stopping }) {
                finished = batch.map { .init(settlement: Settlement($0.token, .abandon), succeeded: false, deadLettered: false, error: nil) }
                break
            }
            finished = await process(batch, invoker: invoker, decoder: decoder)
        }
        await apply(finished)
    }

    /// Calls the handler factory, retrying with backoff while it throws.
    private func startHandler(_ workerID: Int) async -> (any FunctionInvoker)? {
        var delay = Duration.seconds(1)
        while !shouldExit(workerID) {
            let started = environment.clock.now()
            do {
                let invoker = try await entry.makeInvoker()
                let seconds = environment.clock.now().timeIntervalSince(started)
                metrics.update {
                    $0.coldStarts += 1
                    $0.coldStartSeconds += seconds
                }
                environment.events.record(HostEvent(
                    time: environment.clock.now(), kind: .coldStart, function: function.name,
                    message: "worker \(workerID) started \(entry.typeName) in \(String(format: "%.1f", seconds * 1000)) ms"
                ))
                logger.debug("cold start", [("worker", "\(workerID)"), ("duration_ms", String(format: "%.3f", seconds * 1000))])
                return invoker
            } catch {
                logger.error("handler factory failed; the worker retries after \(DurationText.format(delay))",
                             [("handler", entry.name), ("error", "\(error)")])
                environment.events.record(HostEvent(
                    time: environment.clock.now(), kind: .failure, function: function.name,
                    message: "creating handler \(entry.name) failed: \(error)"
                ))
                await wait(workerID, until: environment.clock.now().adding(delay), markIdle: true)
                delay = min(delay * 2, .seconds(30))
            }
        }
        return nil
    }

    /// Waits for messages (or the poll interval), marked idle so tests and the scaler see it.
    func idle(_ workerID: Int) async {
        await wait(workerID, until: environment.clock.now().adding(environment.idlePollInterval), markIdle: true)
    }

    /// Waits on the store until `deadline`; retiring or stopping cuts the wait short.
    private func wait(_ workerID: Int, until deadline: Date, markIdle: Bool) async {
        let store = environment.store
        let queueName = queue.name
        let task = Task(executorPreference: environment.taskExecutor) { await store.waitForMessages(on: queueName, until: deadline) }
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
            await wait(workerID, until: windowEnd, markIdle: true)
            do {
                leases += try await environment.store.receive(
                    from: queue.name, maxCount: size - leases.count, visibilityTimeout: queue.visibilityTimeout
                )
            } catch {
                logger.error("receive failed while filling the batching window", [("error", "\(error)")])
                break
            }
        }
        return leases
    }
}
