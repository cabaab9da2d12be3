import Foundation

extension Autoscaler {
    /// One function's numbers at a decision.
    struct Reading {
        var observation: ScalingPolicy.Observation
        var snapshot: FunctionMetrics.Snapshot
    }

    /// Decides for the functions in `due`, shares the cap, applies the counts.
    func tick(_ due: [FunctionRunner], host: FunctionHost, at now: Date, uptime: Duration) async {
        var proposals: [String: ScalingDecision] = [:]
        var backlogs: [String: Int] = [:]
        for runner in host.runners {
            let isDue = due.contains(where: { $0 === runner })
            guard let reading = await read(runner, host: host, at: now) else {
                // The store could not be read: try again next interval, not at once (no spinning).
                if isDue { state.withLock { Self.advanceTick(of: runner, after: uptime, in: &$0) } }
                continue
            }
            backlogs[runner.function.name] = reading.observation.backlog
            guard isDue else { continue }
            let name = runner.function.name
            let decision: ScalingDecision? = state.withLock { state in
                state.blocked.remove(name)
                Self.advanceTick(of: runner, after: uptime, in: &state)
                state.previous[name] = reading.snapshot
                return state.policies[name]?.observe(reading.observation)
            }
            if let decision { proposals[name] = decision }
        }
        apply(await sharedAmongHosts(cappedByDependencies(proposals, host: host), host: host), backlogs: backlogs, host: host, activation: false)
    }

    /// `proposals` lowered to this host's share when several hosts serve the store.
    private func sharedAmongHosts(_ proposals: [String: ScalingDecision], host: FunctionHost) async -> [String: ScalingDecision] {
        guard !proposals.isEmpty else { return proposals }
        let hosts = await liveHosts(of: host)
        guard hosts > 1 else { return proposals }
        var shared = proposals
        for (name, proposal) in proposals {
            guard let runner = host.runner(named: name) else { continue }
            shared[name] = Self.hostShare(of: proposal, hosts: hosts, minimum: runner.function.scale.minWorkers)
        }
        return shared
    }

    /// How many hosts serve the store now, this one included: 1 without a registry or when
    /// it cannot be read (a host never stops scaling because the registry is unreachable).
    private func liveHosts(of host: FunctionHost) async -> Int {
        guard let registry = host.store as? any HostRegistry,
              let live = try? await registry.hosts(seenWithin: HostHeartbeat.liveWindow) else { return 1 }
        let listsThisHost = host.registryID.map { id in live.contains { $0.id == id } } ?? false
        return live.count + (listsThisHost ? 0 : 1)
    }

    /// Hosts sharing a store split a function's desired workers: each runs
    /// ceil(desired ÷ live hosts), at least `min_workers`, so together they run about what
    /// one host would (at most `max_workers` + hosts − 1 in all).
    static func hostShare(of proposal: ScalingDecision, hosts: Int, minimum: Int) -> ScalingDecision {
        let share = max(minimum, (proposal.desired + hosts - 1) / hosts)
        guard share < proposal.to else { return proposal }
        return proposal.capped(at: max(share, min(proposal.from, proposal.to)), because:
            "this host's share of \(proposal.desired) desired workers across \(hosts) live hosts is \(share)")
    }

    /// Moves the function's next decision one scale interval on (from `now` if it fell behind).
    private static func advanceTick(of runner: FunctionRunner, after uptime: Duration, in state: inout State) {
        let name = runner.function.name
        let interval = runner.function.scale.scaleInterval > .zero ? runner.function.scale.scaleInterval : .seconds(1)
        var next = (state.nextTick[name] ?? uptime) + interval
        if next <= uptime { next = uptime + interval }
        state.nextTick[name] = next
    }

    /// Starts workers for functions at zero whose queue has visible messages.
    func activateIdleFunctions(host: FunctionHost) async {
        let now = host.clock.now()
        var proposals: [String: ScalingDecision] = [:]
        for runner in host.runners where runner.activeWorkerCount == 0 && runner.function.scale.maxWorkers > 0 {
            let name = runner.function.name
            guard !state.withLock({ $0.blocked.contains(name) }) else { continue }
            guard let stats = await stats(of: runner, host: host) else {
                // The store could not be read: stop watching until the next interval, not retry at once.
                state.withLock { _ = $0.blocked.insert(name) }
                continue
            }
            guard stats.visible > 0 else { continue }
            let observation = ScalingPolicy.Observation(
                time: now, visible: stats.visible, inFlight: stats.inFlight, workers: runner.activeWorkerCount
            )
            if let decision = state.withLock({ $0.policies[name]?.messagesVisible(observation) }), decision.changesCount {
                proposals[name] = decision
            }
        }
        guard !proposals.isEmpty else { return }
        var backlogs: [String: Int] = [:]
        for runner in host.runners {
            if let stats = await stats(of: runner, host: host) { backlogs[runner.function.name] = stats.visible + stats.inFlight }
        }
        apply(await sharedAmongHosts(cappedByDependencies(proposals, host: host), host: host), backlogs: backlogs, host: host, activation: true)
    }

    /// Reads a function's queue and the metric deltas since its last decision.
    private func read(_ runner: FunctionRunner, host: FunctionHost, at now: Date) async -> Reading? {
        guard let stats = await stats(of: runner, host: host) else { return nil }
        let name = runner.function.name
        let current = runner.metrics.snapshot
        let previous = state.withLock { $0.previous[name] } ?? current
        let observation = ScalingPolicy.Observation(
            time: now, visible: stats.visible, inFlight: stats.inFlight, workers: runner.activeWorkerCount,
            invocations: max(0, current.invocations - previous.invocations),
            failedInvocations: max(0, current.failedInvocations - previous.failedInvocations)
        )
        return Reading(observation: observation, snapshot: current)
    }

    private func stats(of runner: FunctionRunner, host: FunctionHost) async -> QueueStats? {
        do {
            return try await host.store.stats(for: runner.queue.name)
        } catch {
            host.logger.error("the autoscaler could not read the queue; keeping the worker count",
                              [("function", runner.function.name), ("queue", runner.queue.name), ("error", "\(error)")])
            return nil
        }
    }

    /// Shares the host cap between the proposals (other functions keep their counts),
    /// sets the counts, and records events for changes.
    private func apply(_ proposals: [String: ScalingDecision], backlogs: [String: Int], host: FunctionHost, activation: Bool) {
        let runners = host.runners
        let demands = runners.map { runner in
            let name = runner.function.name
            let wanted = proposals[name]?.to ?? runner.activeWorkerCount
            return WorkerAllocation.Demand(
                wanted: wanted, minimum: min(wanted, max(0, runner.function.scale.minWorkers)), backlog: backlogs[name] ?? 0
            )
        }
        let cap = host.manifest.host.maxWorkers
        let shares = WorkerAllocation.share(demands, cap: cap)
        let sharing = demands.filter { $0.wanted > 0 }.count
        for (index, runner) in runners.enumerated() {
            let name = runner.function.name
            let share = shares[index]
            var decision: ScalingDecision
            var capped = false
            if let proposal = proposals[name] {
                decision = proposal
                if share < proposal.to {
                    decision = proposal.capped(at: share, because:
                        "capped at \(share) by the host limit of \(cap) workers shared fairly by \(sharing) function(s)")
                    capped = true
                }
            } else if share < demands[index].wanted {
                let from = runner.activeWorkerCount
                decision = ScalingDecision(
                    function: name, time: host.clock.now(), from: from, to: share, desired: from,
                    reason: "the host limit of \(cap) workers is shared fairly by \(sharing) function(s): \(from) → \(share)"
                )
                capped = true
            } else {
                continue
            }
            record(decision, capped: capped, activation: activation, host: host)
            if decision.changesCount { runner.setWorkerCount(decision.to) }
        }
    }

    private func record(_ decision: ScalingDecision, capped: Bool, activation: Bool, host: FunctionHost) {
        let firstFailureHold: Bool = state.withLock { state in
            let wasHeld = state.last[decision.function]?.heldForFailures ?? false
            state.last[decision.function] = decision
            state.history.append(decision)
            if state.history.count > historyCapacity { _ = state.history.popFirst() }
            state.counts.decisions += 1
            switch decision.kind {
            case .scaleUp: state.counts.scaleUps += 1
            case .scaleDown: state.counts.scaleDowns += 1
            case .hold: state.counts.holds += 1
            }
            if decision.heldForFailures { state.counts.failureHolds += 1 }
            if activation && decision.changesCount { state.counts.activations += 1 }
            if capped { state.counts.capped += 1 }
            if activation && decision.to == 0 { state.blocked.insert(decision.function) }
            return decision.heldForFailures && !wasHeld
        }
        let logger = host.logger.with("function", decision.function)
        let fields = [("from", "\(decision.from)"), ("to", "\(decision.to)"), ("desired", "\(decision.desired)"),
                      ("reason", decision.reason)]
        if decision.changesCount || firstFailureHold {
            host.events.record(HostEvent(
                time: decision.time, kind: .scaling, function: decision.function,
                message: decision.changesCount ? "\(decision.from) → \(decision.to) workers: \(decision.reason)" : decision.reason
            ))
            logger.info(decision.changesCount ? "scaled" : "holding scale-up", fields)
        } else {
            logger.debug("scaling decision", fields)
        }
    }
}
