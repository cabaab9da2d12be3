import QueueFunctions
import Foundation
import Synchronization

/// Whether the store answered the gateway's last call, and since when it has not:
/// `/api/host` (and so the dashboard) and `/metrics` show an unreachable store with the
/// time it stopped answering, its location and the error, instead of failing themselves.
final class StoreReachability: Sendable {
    /// The store's state as `/api/host` reports it under `store_status`.
    struct Status: Encodable, Sendable {
        /// Whether the store answered the last call.
        var reachable: Bool
        /// Where the store is: a URL without its password, a file, or the engine's name.
        var location: String
        /// When it stopped answering: the earliest of the gateway's and the workers' first failures.
        var unreachableSince: Date?
        /// The last error, while unreachable.
        var error: String?
    }

    private let failure = Mutex<(since: Date, error: String)?>(nil)

    /// Records a call that succeeded.
    func succeeded() {
        failure.withLock { $0 = nil }
    }

    /// Records a call that failed at `now` with `error`.
    func failed(_ error: any Error, at now: Date) {
        failure.withLock { state in state = (state?.since ?? now, "\(error)") }
    }

    /// The store's state; while unreachable, dated back to the first failure any worker of `host` saw.
    func status(of host: FunctionHost) -> Status {
        let location = (host.store as? any StoreLocationDescribing)?.storeLocation ?? MetricsExposition.storeEngine(host.store)
        guard let failure = failure.withLock({ $0 }) else {
            return Status(reachable: true, location: location)
        }
        let workersSince = host.runners.compactMap { $0.metrics.snapshot.storeFailure?.since }.min()
        return Status(
            reachable: false, location: location, unreachableSince: min(failure.since, workersSince ?? failure.since),
            error: failure.error
        )
    }

    /// Asks the store something cheap, to learn whether it answers; records the outcome.
    func probe(_ host: FunctionHost) async {
        do {
            if let registry = host.store as? any HostRegistry {
                _ = try await registry.hosts(seenWithin: HostHeartbeat.liveWindow)
            } else if let queue = host.manifest.queues.first {
                _ = try await host.store.stats(for: queue.name)
            }
            succeeded()
        } catch {
            failed(error, at: host.clock.now())
        }
    }
}
