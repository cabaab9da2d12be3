import Foundation
import Synchronization

/// The dispatcher's side of dependency protection: ask the gates before receiving, wait
/// (idle, burning no receive) while they say no, and give permits back when a batch ends.
extension FunctionRunner {
    /// How many messages of `wanted` may be received now; the gates' change generations
    /// are read first, so a permit freed in between is never missed by the wait.
    func admitMessages(wanted: Int) async -> DependencyGateSet.Admission {
        guard !dependencyGates.isEmpty else { return DependencyGateSet.Admission(granted: wanted) }
        let generations = dependencyGates.generations
        var admission = await dependencyGates.admit(wanted: wanted)
        admission.generations = generations
        return admission
    }

    /// Returns the permits of a finished batch of `count` messages and records how it went.
    func finishDependencies(_ count: Int, _ planned: [SettlementPlanner.Planned]) async {
        guard !dependencyGates.isEmpty, count > 0 else { return }
        let succeeded = planned.count(where: \.succeeded)
        await dependencyGates.finish(count, succeeded: succeeded, failed: count - succeeded, outage: nil)
    }

    /// Returns the permits of `count` leased messages that were handed back unhandled
    /// (a stop, a batch no worker took): no outcome reaches the breaker.
    func releaseDependencies(_ count: Int) async {
        guard !dependencyGates.isEmpty, count > 0 else { return }
        await dependencyGates.finish(count, succeeded: 0, failed: 0, outage: nil)
    }

    /// A handler threw ``DependencyUnavailable``: open that dependency's breaker at once.
    func reportOutage(_ outage: DependencyUnavailable, into capture: OutageCapture) async {
        capture.record(outage)
        guard !dependencyGates.isEmpty else {
            logger.warning("a handler reported a dependency the function does not declare; add it to the function's \"dependencies\" to stop receiving during outages",
                           [("dependency", outage.dependency)])
            return
        }
        await dependencyGates.finish(0, succeeded: 0, failed: 0, outage: outage)
    }
}

extension FunctionRunner {
    /// When a handler reported a dependency down (thrown, or as an item's outcome) and that
    /// dependency's breaker is on, the messages it did not settle (or settled as unavailable) go back to the front of the queue with their receive
    /// given back (the `abandon` settlement): the outage is not their failure, so it does
    /// not count toward `max_receive_count`. The open breaker keeps them from being
    /// received again until a probe succeeds. Without a breaker they fail as usual, so a
    /// handler that always reports an outage cannot loop.
    func handBackOnOutage(
        _ plan: [SettlementPlanner.Planned], leases: [Lease], outcomes: [MessageID: ItemOutcome], outage: DependencyUnavailable?
    ) -> [SettlementPlanner.Planned] {
        guard let outage, let gate = dependencyGates.gates.first(where: { $0.config.name == outage.dependency }),
              gate.config.breaker.enabled, plan.count == leases.count else { return plan }
        return zip(plan, leases).map { planned, lease in
            let outcome = outcomes[lease.message.id]
            let reportedDown = outcome == nil || outcome?.outage?.dependency == outage.dependency
            return reportedDown && !planned.succeeded ? planner.handBack(lease) : planned
        }
    }
}

/// The outage a handler reported during one invocation, if any.
final class OutageCapture: Sendable {
    private let outage = Mutex<DependencyUnavailable?>(nil)

    /// Keeps `outage` (the first one reported).
    func record(_ reported: DependencyUnavailable) {
        outage.withLock { if $0 == nil { $0 = reported } }
    }

    /// The outage reported, if any.
    var value: DependencyUnavailable? { outage.withLock { $0 } }
}

extension FunctionRunner {
    /// What is wrong with the function now, for `status`, the admin API and the dashboard:
    /// its metrics' problems, then each of its dependencies whose breaker is not closed
    /// ("billing-api: open since 12:01:00, next probe 12:01:05 (…)").
    package var problems: [String] {
        metrics.snapshot.problems + dependencyGates.gates.map(\.status).filter { $0.state != .closed }.map(\.description)
    }
}
