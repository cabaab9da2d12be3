import Foundation

extension FunctionRunner {
    /// Decodes and invokes one batch under the timeout.
    ///
    /// - Returns: The settlements for every lease of the batch.
    func process(_ leases: [Lease], invoker: any FunctionInvoker, decoder: JSONDecoder) async -> [SettlementPlanner.Planned] {
        let now = environment.clock.now()
        var planned: [SettlementPlanner.Planned] = []
        let limit = queue.maxReceiveCount
        // Usually no lease is past its receive limit: the batch runs as leased, uncopied.
        var runnable = leases
        if leases.contains(where: { $0.message.receiveCount > limit }) {
            runnable = []
            for lease in leases {
                if lease.message.receiveCount > limit {
                    planned.append(planner.exhausted(lease, now: now))
                } else {
                    runnable.append(lease)
                }
            }
        }
        let prepared = invoker.prepare(runnable, decoder: decoder)
        if let failed = lambdaDecodingFailure(prepared, runnable, now: now) { return planned + failed }
        for (lease, error) in prepared.undecodable {
            planned.append(planner.undecodable(lease, error: error, now: now))
        }
        if prepared.invoked.isEmpty { return planned }
        if function.profile.invokesPerMessage, prepared.invoked.count > 1 {
            return planned + (await invokeEachMessage(prepared.invoked, invoker: invoker))
        }
        planned += await invoke(prepared)
        return planned
    }

    /// Runs the handler against its timeout. The outcome is known, and the batch settled,
    /// as soon as the handler returns, its deadline passes or the host stops, even when a
    /// cancelled handler has not yet honoured its cancellation; the worker then waits for
    /// that handler before taking more work.
    func invoke(_ prepared: PreparedInvocation) async -> [SettlementPlanner.Planned] {
        let clock = environment.clock
        let started = clock.now()
        let startedUptime = clock.uptime()
        let deadline = started.adding(function.timeout)
        let invocationID = MessageID.generate().rawValue
        let invoked = prepared.invoked
        let outbox = makeOutbox()
        var context = FunctionContext(
            functionName: function.name,
            invocationID: invocationID,
            deadline: deadline,
            logger: logger.with("invocation", invocationID).with(invoked.count == 1 ? "message_id" : "message_ids") {
                invoked.map(\.message.id.rawValue).joined(separator: ",")
            },
            queues: environment.queues,
            clock: clock
        )
        context.outbox = outbox
        context.onceSource = environment.store
        metrics.update {
            $0.invocations += 1
            $0.busyWorkers += 1
        }
        let timeout = function.timeout
        let ending = OneShot<SettlementPlanner.Ending>()
        let watch = HandlerWatch()
        let outages = OutageCapture()
        let renewal = keepAlive(invoked)
        let handler = Task(executorPreference: environment.taskExecutor) {
            do {
                try await prepared.run(context)
                ending.resolve(.returned)
            } catch let outage as DependencyUnavailable {
                await self.reportOutage(outage, into: outages)
                ending.resolve(.threw(String(describing: outage)))
            } catch {
                ending.resolve(.threw(String(describing: error)))
            }
            watch.ended()
        }
        let timer = deadlines.schedule(after: timeout) {
            ending.resolve(.timedOut(timeout))
            handler.cancel()
        }
        let outcome = await withTaskCancellationHandler {
            await ending.value()
        } onCancel: {
            ending.resolve(.shutdown)
            handler.cancel()
        }
        deadlines.cancel(timer)
        let now = clock.now()
        let outcomes = prepared.outcomes()
        if outages.value == nil, let reported = outcomes.values.lazy.compactMap(\.outage).first {
            await reportOutage(reported, into: outages)
        }
        let plan = handBackOnOutage(planner.plan(
            invoked, outcomes: outcomes, ending: outcome, now: now, random: environment.random,
            invalidResponse: prepared.invalidResponse()
        ), leases: invoked, outcomes: outcomes, outage: outages.value)
        let renewed = stopRenewing(renewal, plan)
        var returned = false
        if case .returned = outcome { returned = true }
        let planned = attach(outbox, to: renewed, returned: returned, lostLeases: renewed.count < plan.count)
        metrics.recordFinishedInvocation(seconds: (clock.uptime() - startedUptime).timeInterval)
        report(outcome, planned: planned, invocationID: invocationID)
        switch outcome {
        case .returned, .threw:
            return planned
        case .timedOut, .shutdown:
            // Release the messages now; only then wait for the handler to stop.
            await apply(planned)
            await waitForCancelled(handler, watch: watch, invocationID: invocationID)
            return []
        }
    }

    private func report(_ ending: SettlementPlanner.Ending, planned: [SettlementPlanner.Planned], invocationID: String) {
        let failureText: String?
        switch ending {
        case .returned, .shutdown: failureText = nil
        case .threw(let text): failureText = text
        case .timedOut(let timeout):
            failureText = "timed out after \(DurationText.format(timeout))"
            metrics.update { $0.timeouts += 1 }
        }
        guard let failureText else { return }
        metrics.update { $0.failedInvocations += 1 }
        logger.warning("invocation failed", [("invocation", invocationID), ("error", failureText), ("messages", "\(planned.count)")])
        environment.events.record(HostEvent(
            time: environment.clock.now(), kind: .failure, function: function.name,
            message: "invocation \(invocationID) failed for \(planned.count) message(s): \(failureText)"
        ))
    }

    /// Waits for a cancelled handler to end. One that has not ended `cancellationGrace`
    /// after its cancellation is reported as stuck (an event and the `stuckWorkers`
    /// gauge) and not counted as a live worker until it ends.
    private func waitForCancelled(_ handler: Task<Void, Never>, watch: HandlerWatch, invocationID: String) async {
        let check = deadlines.schedule(after: Self.cancellationGrace) { [self] in
            guard watch.markStuck() else { return }
            metrics.update {
                $0.stuckWorkers += 1
                $0.workers -= 1
            }
            let text = "invocation \(invocationID) ignores its cancellation: its handler still runs "
                + "\(DurationText.format(Self.cancellationGrace)) after it was cancelled; its worker takes no work until it returns"
            logger.error("handler stuck", [("invocation", invocationID), ("error", text)])
            environment.events.record(HostEvent(time: environment.clock.now(), kind: .failure, function: function.name, message: text))
        }
        await handler.value
        deadlines.cancel(check)
        if watch.wasStuck {
            metrics.update {
                $0.stuckWorkers -= 1
                $0.workers += 1
            }
            logger.notice("a stuck handler returned", [("invocation", invocationID)])
        }
    }

    /// Counts, logs and records the settlements the store applied.
    func account(_ planned: [SettlementPlanner.Planned], results: [SettleResult]) {
        guard !planned.isEmpty else { return }
        var succeeded = 0, retried = 0, deadLettered = 0, stale = 0
        for (plan, result) in zip(planned, results) {
            guard result == .applied else {
                stale += 1
                continue
            }
            if plan.succeeded {
                succeeded += 1
            } else if plan.deadLettered {
                deadLettered += 1
                let text = plan.error ?? "dead-lettered"
                logger.error("message dead-lettered", [("message_id", plan.settlement.token.messageID.rawValue), ("reason", text)])
                environment.events.record(HostEvent(
                    time: environment.clock.now(), kind: .deadLetter, function: function.name,
                    message: "message \(plan.settlement.token.messageID) moved to \(planner.deadLetterQueue): \(text)"
                ))
            } else if case .retry = plan.settlement.action {
                retried += 1
            }
        }
        if stale > 0 {
            logger.warning("some settlements were refused because their leases had lapsed; those messages are delivered again",
                           [("messages", "\(stale)")])
        }
        metrics.update {
            $0.succeeded += succeeded
            $0.retried += retried
            $0.deadLettered += deadLettered
        }
    }
}
