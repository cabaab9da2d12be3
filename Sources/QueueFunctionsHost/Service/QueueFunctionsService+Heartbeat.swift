import Foundation
import QueueFunctions

extension QueueFunctionsService {
    /// This host as the store's registry lists it now.
    func hostRecord() -> HostRecord {
        var functions: [String: HostRecord.FunctionStatus] = [:]
        for runner in host.runners {
            let snapshot = runner.metrics.snapshot
            functions[runner.function.name] = HostRecord.FunctionStatus(
                workers: snapshot.workers, desiredWorkers: snapshot.desiredWorkers, invocations: snapshot.invocations,
                succeeded: snapshot.succeeded, retried: snapshot.retried, deadLettered: snapshot.deadLettered,
                problems: runner.problems.isEmpty ? nil : runner.problems
            )
        }
        return HostRecord(
            id: hostID, machine: machineName, pid: ProcessInfo.processInfo.processIdentifier,
            address: gatewayURL, startedAt: startedAt, lastSeen: startedAt, functions: functions
        )
    }

    /// Beats every ``HostHeartbeat/interval`` until cancelled or stopping, then removes the
    /// host from the registry. A failing beat is logged once per streak of failures.
    func heartbeat(into registry: any HostRegistry) async {
        var failing = false
        while !Task.isCancelled, !host.isStopping {
            do {
                try await registry.heartbeat(hostRecord())
                if failing { options.logger.notice("host heartbeat recovered") }
                failing = false
            } catch {
                if !failing {
                    options.logger.warning("host heartbeat failed; status in other processes may not list this host",
                                           [("error", "\(error)")])
                }
                failing = true
            }
            guard (try? await options.clock.sleep(for: HostHeartbeat.interval)) != nil else { break }
        }
    }

    /// Takes this host off the registry (best effort: a store that fails forgets it after the live window).
    func leaveRegistry() async {
        guard let registry = host.store as? any HostRegistry else { return }
        try? await registry.removeHost(id: hostID)
    }
}
