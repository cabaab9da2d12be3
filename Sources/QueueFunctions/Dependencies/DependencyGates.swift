import Foundation

/// The host's dependency gates, one per dependency of the manifest, shared by every
/// function that names it.
package struct DependencyGates: Sendable {
    /// The gates by dependency name.
    package let byName: [String: DependencyGate]

    /// No dependencies.
    package init() {
        byName = [:]
    }

    /// A gate for each of `configs`. When `store` keeps limits for every host
    /// (``SharedDependencyLimitStore``, PostgreSQL), permits and tokens live there, held by
    /// this host under a fresh id for `leaseFor` past its last call.
    package init(
        _ configs: [DependencyConfig], clock: any HostClock, events: HostEventLog, logger: QueueLogger,
        store: (any QueueStore)? = nil, leaseFor: Duration = .seconds(60)
    ) {
        let holder = MessageID.generate().rawValue
        let shared = (store as? any SharedDependencyLimitStore).map {
            DependencyGate.SharedLimits(store: $0, holder: holder, leaseFor: leaseFor)
        }
        var gates: [String: DependencyGate] = [:]
        for config in configs where gates[config.name] == nil {
            gates[config.name] = DependencyGate(config: config, clock: clock, events: events, logger: logger, shared: shared)
        }
        byName = gates
    }

    /// The gates of the dependencies `names` (unknown names are skipped: the manifest
    /// validation has refused them already).
    package func set(for names: [String]) -> DependencyGateSet {
        DependencyGateSet(gates: names.compactMap { byName[$0] })
    }

    /// Every gate's status, by name.
    package var statuses: [DependencyStatus] {
        byName.keys.sorted().compactMap { byName[$0]?.status }
    }
}

/// The gates of one function's dependencies, asked together: a message is admitted
/// only when every dependency admits it.
package struct DependencyGateSet: Sendable {
    /// The gates, in the function's order.
    package let gates: [DependencyGate]

    /// Whether the function uses any dependency.
    package var isEmpty: Bool { gates.isEmpty }

    /// What the function may receive now.
    package struct Admission: Sendable {
        /// How many messages may be received (the `maxCount` of the receive).
        package var granted: Int
        /// When to ask again if nothing was granted; nil to wait for a permit to free up.
        package var wakeAt: Date?
        /// Why nothing was granted.
        package var reason: String?
        /// The gates' change generations read before admitting.
        package var generations: [UInt64] = []
        fileprivate var grants: [DependencyGate.Grant] = []

        /// An admission of `granted` messages with no gate involved.
        package init(granted: Int) {
            self.granted = granted
        }

        fileprivate init(granted: Int, wakeAt: Date? = nil, reason: String? = nil, grants: [DependencyGate.Grant] = []) {
            self.granted = granted
            self.wakeAt = wakeAt
            self.reason = reason
            self.grants = grants
        }
    }

    /// Admits up to `wanted` messages: the least every gate allows. Gates that allowed
    /// more get the difference back at once.
    package func admit(wanted: Int) async -> Admission {
        guard !gates.isEmpty else { return Admission(granted: wanted) }
        var grants: [DependencyGate.Grant] = []
        var granted = wanted
        for gate in gates {
            let grant = await gate.admit(wanted: granted)
            grants.append(grant)
            granted = min(granted, grant.count)
            if granted == 0 {
                for (index, earlier) in grants.enumerated() {
                    await gates[index].giveBack(earlier.count, probe: earlier.probe)
                }
                return Admission(granted: 0, wakeAt: grant.wakeAt, reason: grant.reason)
            }
        }
        for (index, grant) in grants.enumerated() where grant.count > granted {
            // A probe keeps its one message; others return what the tightest gate did not allow.
            await gates[index].giveBack(grant.count - granted, probe: false)
            grants[index].count = granted
        }
        return Admission(granted: granted, grants: grants)
    }

    /// The receive found `received` of the admitted messages: returns the rest.
    package func received(_ received: Int, of admission: Admission) async {
        guard !admission.grants.isEmpty else { return }
        let unused = admission.granted - received
        guard unused > 0 else { return }
        for (index, grant) in admission.grants.enumerated() {
            await gates[index].giveBack(unused, probe: grant.probe && received == 0)
        }
    }

    /// `count` admitted messages finished: `succeeded` of them well, `failed` not, and
    /// `outage` if a handler reported one of these dependencies down.
    package func finish(_ count: Int, succeeded: Int, failed: Int, outage: DependencyUnavailable?) async {
        guard count > 0 || outage != nil else { return }
        for gate in gates {
            let mine = outage.flatMap { $0.dependency == gate.config.name ? $0 : nil }
            await gate.finish(count, succeeded: succeeded, failed: failed, outage: mine)
        }
    }

    /// The most workers that can be busy at once, given the concurrency limits and
    /// `batchSize` messages per worker, with the limit's reason; nil when unlimited.
    package func workerLimit(batchSize: Int) -> (workers: Int, reason: String)? {
        var best: (Int, String)?
        for gate in gates {
            let status = gate.status
            if status.state != .closed {
                let limit = 1
                if best == nil || limit < best?.0 ?? .max {
                    best = (limit, "dependency \(gate.config.name) circuit breaker is \(status.state == .open ? "open" : "half-open"): one worker waits for the probe")
                }
                continue
            }
            guard let permits = gate.config.maxConcurrency else { continue }
            let limit = max(1, (permits + batchSize - 1) / max(1, batchSize))
            if best == nil || limit < best?.0 ?? .max {
                best = (limit, "dependency \(gate.config.name) serves at most \(permits) message(s) at once (max_concurrency) = \(limit) worker(s) of batch \(batchSize)")
            }
        }
        return best.map { (workers: $0.0, reason: $0.1) }
    }

    /// Waits until a gate changes (a permit frees up, the breaker moves) or `deadline`.
    package func waitForChange(until deadline: Date, clock: any HostClock, generations: [UInt64]) async {
        await withTaskGroup(of: Void.self) { group in
            for (gate, generation) in zip(gates, generations) {
                group.addTask { await gate.changes.wait(on: DependencyGate.changeKey, ifGeneration: generation) }
            }
            group.addTask { try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The change generations of the gates, read before admitting so no change is missed.
    package var generations: [UInt64] {
        gates.map { $0.changes.generation(of: DependencyGate.changeKey) }
    }
}

extension DependencyGates {
    /// How long a host's shared permits last past its last call: the longest timeout of a
    /// function that uses a dependency, plus a minute, so a running handler never loses its permit.
    package static func lease(for manifest: Manifest) -> Duration {
        let longest = manifest.functions.filter { !$0.dependencies.isEmpty }.map(\.timeout).max() ?? .zero
        return longest + .seconds(60)
    }
}
