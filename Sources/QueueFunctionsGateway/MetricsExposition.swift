import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// `/metrics`: the host's numbers in the Prometheus text format.
///
/// Per queue: messages by state, the oldest message's age, messages dead-lettered
/// from it. Per function: workers (running, desired, busy), invocations, failures,
/// timeouts, messages by outcome, cold starts and an invocation-duration histogram.
/// Per producer route: posts by outcome. Host: info, start time, events by kind,
/// and whether the store answered.
enum MetricsExposition {
    /// Renders every metric of `host`.
    static func render(
        host: FunctionHost, startedAt: Date, producers: [ProducerConfig], counters: ProducerCounters,
        reachability: StoreReachability = StoreReachability()
    ) async -> String {
        var out = PrometheusTextWriter()
        let now = host.clock.now()
        var stats: [(String, QueueStats)] = []
        var storeUp = true
        for queue in host.manifest.queues {
            do {
                stats.append((queue.name, try await host.store.stats(for: queue.name)))
            } catch {
                storeUp = false
                reachability.failed(error, at: now)
                host.logger.warning("metrics could not read queue counts", [("queue", queue.name), ("error", "\(error)")])
            }
        }
        if storeUp { reachability.succeeded() }
        writeHost(&out, host: host, startedAt: startedAt, storeUp: storeUp)
        writeStore(&out, reachability.status(of: host))
        writeQueues(&out, stats: stats, now: now)
        writeFunctions(&out, runners: host.runners)
        writeProducers(&out, producers: producers, counters: counters)
        writeDependencies(&out, host.dependencies)
        return out.text
    }

    /// The store engine's short name (`memory`, `sqlite`, `postgres`), from its type.
    static func storeEngine(_ store: any QueueStore) -> String {
        let name = String(describing: type(of: store))
        let short = name.hasSuffix("QueueStore") ? String(name.dropLast("QueueStore".count)) : name
        return short.lowercased()
    }

    private static func writeHost(_ out: inout PrometheusTextWriter, host: FunctionHost, startedAt: Date, storeUp: Bool) {
        out.family("queuefunctions_host_info", .gauge, help: "The host's store engine and how many functions and queues it runs; always 1.")
        out.sample("queuefunctions_host_info", [("store", storeEngine(host.store)), ("functions", "\(host.runners.count)"),
                                                ("queues", "\(host.manifest.queues.count)")], 1)
        out.family("queuefunctions_host_start_time_seconds", .gauge, help: "When the gateway started, in seconds since 1970.")
        out.sample("queuefunctions_host_start_time_seconds", [], startedAt.timeIntervalSince1970)
        out.family("queuefunctions_store_up", .gauge, help: "1 when the store answered every count of this scrape, else 0.")
        out.sample("queuefunctions_store_up", [], storeUp ? 1 : 0)
        out.family("queuefunctions_events_total", .counter, help: "Host events recorded, by kind.")
        for kind in [HostEvent.Kind.scaling, .deadLetter, .failure, .coldStart, .lifecycle, .dependency] {
            out.sample("queuefunctions_events_total", [("kind", kind.rawValue)], host.events.count(of: kind))
        }
    }

    private static func writeStore(_ out: inout PrometheusTextWriter, _ status: StoreReachability.Status) {
        out.family("queuefunctions_store_info", .gauge, help: "Where the store is (a URL without its password, or the engine); always 1.")
        out.sample("queuefunctions_store_info", [("location", status.location)], 1)
        out.family("queuefunctions_store_unreachable_since_seconds", .gauge,
                   help: "While the store does not answer: when it stopped, in seconds since 1970; 0 while it answers.")
        out.sample("queuefunctions_store_unreachable_since_seconds", [], status.unreachableSince?.timeIntervalSince1970 ?? 0)
    }

    private static func writeQueues(_ out: inout PrometheusTextWriter, stats: [(String, QueueStats)], now: Date) {
        out.family("queuefunctions_queue_messages", .gauge, help: "Messages in the queue, by state (visible, delayed, in_flight).")
        for (queue, stats) in stats {
            out.sample("queuefunctions_queue_messages", [("queue", queue), ("state", "visible")], stats.visible)
            out.sample("queuefunctions_queue_messages", [("queue", queue), ("state", "delayed")], stats.delayed)
            out.sample("queuefunctions_queue_messages", [("queue", queue), ("state", "in_flight")], stats.inFlight)
        }
        out.family("queuefunctions_queue_oldest_message_age_seconds", .gauge, help: "Age of the oldest message in the queue (any state); 0 when empty.")
        for (queue, stats) in stats {
            out.sample("queuefunctions_queue_oldest_message_age_seconds", [("queue", queue)], stats.oldestAge(at: now).timeInterval)
        }
        out.family("queuefunctions_queue_dead_lettered_messages", .gauge, help: "Messages from this queue now in a dead-letter queue.")
        for (queue, stats) in stats {
            out.sample("queuefunctions_queue_dead_lettered_messages", [("queue", queue)], stats.deadLettered)
        }
    }

    private static func writeFunctions(_ out: inout PrometheusTextWriter, runners: [FunctionRunner]) {
        let snapshots = runners.map { ($0.function.name, $0.metrics.snapshot) }
        let gauges: [(String, String, KeyPath<FunctionMetrics.Snapshot, Int>)] = [
            ("queuefunctions_function_workers", "Worker tasks running now.", \.workers),
            ("queuefunctions_function_desired_workers", "Worker tasks the scaler asked for.", \.desiredWorkers),
            ("queuefunctions_function_busy_workers", "Worker tasks inside an invocation now.", \.busyWorkers),
            ("queuefunctions_function_stuck_workers", "Workers whose handler ignores its cancellation and still runs.", \.stuckWorkers),
            ("queuefunctions_function_factory_failing", "1 while the handler factory keeps throwing (the workers back off), else 0.",
             \.factoryFailingFlag),
            ("queuefunctions_function_store_failing", "1 while store calls keep failing with retryable errors (backing off), else 0.",
             \.storeFailingFlag),
        ]
        for (name, help, path) in gauges {
            out.family(name, .gauge, help: help)
            for (function, snapshot) in snapshots { out.sample(name, [("function", function)], snapshot[keyPath: path]) }
        }
        let counters: [(String, String, KeyPath<FunctionMetrics.Snapshot, Int>)] = [
            ("queuefunctions_function_invocations_total", "Handler invocations started.", \.invocations),
            ("queuefunctions_function_failed_invocations_total", "Invocations that failed as a whole (threw or timed out).", \.failedInvocations),
            ("queuefunctions_function_timeouts_total", "Invocations cancelled by the function's timeout.", \.timeouts),
            ("queuefunctions_function_cold_starts_total", "Worker starts (handler factory calls).", \.coldStarts),
            ("queuefunctions_function_renewed_leases_total", "Leases renewed while a handler ran past half the visibility timeout.",
             \.renewedLeases),
            ("queuefunctions_function_lost_leases_total", "Leases lost under a running handler (renewal refused as stale).", \.lostLeases),
            ("queuefunctions_function_dropped_settlements_total",
             "Settlements of handled messages given up because their leases lapsed while the store failed.", \.droppedSettlements),
        ]
        for (name, help, path) in counters {
            out.family(name, .counter, help: help)
            for (function, snapshot) in snapshots { out.sample(name, [("function", function)], snapshot[keyPath: path]) }
        }
        out.family("queuefunctions_function_cold_start_seconds_total", .counter, help: "Time spent in handler factories.")
        for (function, snapshot) in snapshots {
            out.sample("queuefunctions_function_cold_start_seconds_total", [("function", function)], snapshot.coldStartSeconds)
        }
        out.family("queuefunctions_function_messages_total", .counter, help: "Messages settled, by outcome (succeeded, retried, dead_lettered).")
        for (function, snapshot) in snapshots {
            out.sample("queuefunctions_function_messages_total", [("function", function), ("outcome", "succeeded")], snapshot.succeeded)
            out.sample("queuefunctions_function_messages_total", [("function", function), ("outcome", "retried")], snapshot.retried)
            out.sample("queuefunctions_function_messages_total", [("function", function), ("outcome", "dead_lettered")], snapshot.deadLettered)
        }
        let histogram = "queuefunctions_function_invocation_duration_seconds"
        out.family(histogram, .histogram, help: "Handler invocation durations.")
        for (function, snapshot) in snapshots {
            var cumulative = 0
            for (index, bound) in FunctionMetrics.durationBuckets.enumerated() {
                cumulative += snapshot.durationBucketCounts[safe: index]
                out.sample(histogram + "_bucket", [("function", function), ("le", PrometheusTextWriter.format(bound))], cumulative)
            }
            cumulative += snapshot.durationBucketCounts[safe: FunctionMetrics.durationBuckets.count]
            out.sample(histogram + "_bucket", [("function", function), ("le", "+Inf")], cumulative)
            out.sample(histogram + "_sum", [("function", function)], snapshot.durationSum)
            out.sample(histogram + "_count", [("function", function)], cumulative)
        }
    }

    private static func writeProducers(_ out: inout PrometheusTextWriter, producers: [ProducerConfig], counters: ProducerCounters) {
        out.family("queuefunctions_producer_requests_total", .counter,
                   help: "Posts to producer routes, by outcome (accepted, replayed, refused, failed).")
        for producer in producers {
            for outcome in ProducerCounters.Outcome.allCases {
                // A route that publishes is labelled with its topic instead of a queue.
                let destination = producer.topic.map { ("topic", $0) } ?? ("queue", producer.queue)
                out.sample("queuefunctions_producer_requests_total",
                           [("route", producer.route), destination, ("outcome", outcome.rawValue)],
                           counters.value(producer.route, outcome))
            }
        }
    }
}

private extension Array where Element == Int {
    /// The element at `index`, or 0 past the end.
    subscript(safe index: Int) -> Int { indices.contains(index) ? self[index] : 0 }
}

extension FunctionMetrics.Snapshot {
    /// 1 while the handler factory is failing, for a Prometheus gauge.
    fileprivate var factoryFailingFlag: Int { factoryFailure == nil ? 0 : 1 }
    /// 1 while the store is failing, for a Prometheus gauge.
    fileprivate var storeFailingFlag: Int { storeFailure == nil ? 0 : 1 }
}
