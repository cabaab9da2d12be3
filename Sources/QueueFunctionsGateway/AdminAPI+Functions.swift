import QueueFunctions
import QueueFunctionsHTTP
import Foundation

extension AdminAPI {
    /// The functions' settings, live worker gauges, counters and queue backlog.
    func functionRows(_ runners: [FunctionRunner]) async throws -> [AdminResponses.Function] {
        var rows: [AdminResponses.Function] = []
        var statsByQueue: [String: QueueStats] = [:]
        for runner in runners {
            let function = runner.function
            let stats: QueueStats
            if let known = statsByQueue[function.trigger.queue] {
                stats = known
            } else {
                stats = try await host.store.stats(for: function.trigger.queue)
                statsByQueue[function.trigger.queue] = stats
            }
            let metrics = runner.metrics.snapshot
            rows.append(AdminResponses.Function(
                name: function.name, handler: function.handler, messageType: runner.entry.messageTypeName,
                queue: function.trigger.queue, batchSize: function.trigger.batchSize,
                minWorkers: function.scale.minWorkers, maxWorkers: function.scale.maxWorkers,
                workers: metrics.workers, desiredWorkers: metrics.desiredWorkers, busyWorkers: metrics.busyWorkers,
                visible: stats.visible, inFlight: stats.inFlight,
                invocations: metrics.invocations, succeeded: metrics.succeeded, retried: metrics.retried,
                deadLettered: metrics.deadLettered, failedInvocations: metrics.failedInvocations, timeouts: metrics.timeouts,
                coldStarts: metrics.coldStarts, coldStartSeconds: metrics.coldStartSeconds, durationSecondsSum: metrics.durationSum,
                stuckWorkers: metrics.stuckWorkers, renewedLeases: metrics.renewedLeases, lostLeases: metrics.lostLeases,
                droppedSettlements: metrics.droppedSettlements, factoryFailure: metrics.factoryFailure,
                storeFailure: metrics.storeFailure, problems: runner.problems
            ))
        }
        return rows
    }

    /// A `404` naming the known functions.
    func unknownFunction(_ name: String) -> AdminRefusal {
        let names = host.runners.map(\.function.name)
        var text = "Unknown function '\(name)'"
        if let guess = Suggestion.closest(to: name, in: names) { text += "; did you mean '\(guess)'?" }
        return AdminRefusal(404, text + " Known functions: \(names.joined(separator: ", ")).")
    }

    /// `{"events": […]}`, oldest first: `?kind=scaling,failure`, `?function=NAME`, `?limit=N` (default 100).
    func events(_ request: HTTPRequest) throws(AdminRefusal) -> HTTPResponse {
        var kinds: Set<HostEvent.Kind>?
        if let text = request.query("kind"), !text.isEmpty {
            var parsed = Set<HostEvent.Kind>()
            for name in text.split(separator: ",") {
                guard let kind = HostEvent.Kind(rawValue: String(name)) else {
                    let all = ["scaling", "dead_letter", "failure", "cold_start", "lifecycle"]
                    throw AdminRefusal(400, "kind=\(name) is not an event kind; use one or more of \(all.joined(separator: ", ")), comma-separated.")
                }
                parsed.insert(kind)
            }
            kinds = parsed
        }
        let function = request.query("function")
        if let function, host.runner(named: function) == nil { throw unknownFunction(function) }
        let limit = try Self.limit(request, default: 100, in: .between(1, Self.maxListLimit))
        let matching = host.events.recent().filter { event in
            (kinds?.contains(event.kind) ?? true) && (function == nil || event.function == function)
        }
        let events = matching.suffix(limit).map {
            AdminResponses.Event(time: $0.time, kind: $0.kind.rawValue, function: $0.function, message: $0.message)
        }
        return AdminResponses.json(["events": Array(events)])
    }

    /// What the host runs and since when, and every live host of the store.
    func hostInfo() async throws -> HTTPResponse {
        // Answered while the store is down too: the dashboard shows it unreachable, and since when.
        var hosts: [HostRecord] = []
        do {
            hosts = try await (host.store as? any HostRegistry)?.hosts(seenWithin: HostHeartbeat.liveWindow) ?? []
            if host.store is any HostRegistry { reachability.succeeded() } else { await reachability.probe(host) }
        } catch {
            reachability.failed(error, at: host.clock.now())
        }
        return AdminResponses.json(AdminResponses.Host(
            store: MetricsExposition.storeEngine(host.store), startedAt: startedAt,
            uptimeSeconds: max(0, host.clock.now().timeIntervalSince(startedAt)),
            functions: host.runners.count, queues: host.manifest.queues.count, routes: routes,
            adminTokenRequired: adminTokenRequired, liveHosts: hosts, storeStatus: reachability.status(of: host)
        ))
    }
}
