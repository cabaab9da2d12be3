import Foundation
import QueueFunctionsHost

/// PostgreSQL across host processes: N child processes of this executable
/// (``HostsBenchmarkChild``), each a ``FunctionHost`` on one shared database, against the
/// PostgreSQL anchor (`pg-skip-locked.sh`) run in the same session with `--pg-anchor`.
///
/// - no-op handler, batch 10, 4 workers per host, 1, 2 and 3 hosts: end to end as the
///   anchor counts it (enqueue 10 per transaction, then drain);
/// - a 20 ms handler (one sleep per batch), 8 workers per host, 1 and 3 hosts: drain rate;
/// - send → handler start across 3 idle hosts.
enum HostsBenchmark {
    static let noopWorkers = 4
    static let ioWorkers = 8

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let backlog = options.count(full: 20_000, quick: 5_000)
        let cluster = try await offPool { try BenchPostgresCluster.start() }
        defer { cluster.stop() }
        var table = ResultTable(
            title: "PostgreSQL across host processes, one database, batch 10 (msg/s; median of \(options.runs), range in parentheses)",
            command: options.commandLine,
            headers: ["case", "hosts × workers", "enqueue msg/s", "drain msg/s", "end-to-end msg/s", "per host", "ratio"]
        )
        var anchor: Double?
        if options.postgresAnchor {
            anchor = try await PostgresAnchor.run(folder: options.anchorsFolder, runs: options.runs)
            if let anchor {
                table.rows.append(["anchor: Python SKIP LOCKED, 4 consumers", "-", "-", "-", Format.rate(anchor), "-", "1.00"])
            }
        }
        var oneHostDrain: Double?
        // 100 per send call as the e2e suite (and session 3's figures); then 10 per call, as the anchor's producer.
        // Last, labelled: the database set to synchronous_commit = off (the user's choice, never the store's).
        let allCases = [(1, 100, false), (2, 100, false), (3, 100, false), (1, 10, false), (3, 10, false), (1, 100, true), (1, 10, true)]
        let noopCases = options.oneHostOnly ? allCases.filter { $0.0 == 1 && ($0.1 == 100 || !$0.2) } : allCases
        for (hosts, sendBatch, asyncCommit) in noopCases {
            var enqueue = Samples(), drain = Samples(), endToEnd = Samples()
            for _ in 0..<options.runs {
                let run = try await measure(
                    cluster, mode: .noop, hosts: hosts, workers: noopWorkers, backlog: backlog, sendBatch: sendBatch,
                    asyncCommit: asyncCommit
                )
                enqueue.values.append(run.enqueue)
                drain.values.append(run.drain)
                endToEnd.values.append(run.endToEnd)
            }
            let perHost = endToEnd.median / Double(hosts)
            table.rows.append([
                "no-op, sent \(sendBatch) per call" + (asyncCommit ? ", synchronous_commit=off" : ""), "\(hosts) × \(noopWorkers)", Format.rate(enqueue), Format.rate(drain), Format.rate(endToEnd),
                Format.rate(perHost), anchor.map { String(format: "%.2f× anchor", endToEnd.median / $0) } ?? "-",
            ])
            progress("  hosts no-op \(hosts) × \(noopWorkers), \(sendBatch) per send: drain \(Format.rate(drain)), end-to-end \(Format.rate(endToEnd)) msg/s")
        }
        if options.oneHostOnly { return table }
        for hosts in [1, 3] {
            var drain = Samples()
            for _ in 0..<options.runs {
                drain.values.append(try await measure(cluster, mode: .io, hosts: hosts, workers: ioWorkers, backlog: backlog, sendBatch: 100).drain)
            }
            if hosts == 1 { oneHostDrain = drain.median }
            table.rows.append([
                "20 ms per batch", "\(hosts) × \(ioWorkers)", "-", Format.rate(drain), "-", Format.rate(drain.median / Double(hosts)),
                oneHostDrain.map { String(format: "%.2f× one host", drain.median / $0) } ?? "-",
            ])
            progress("  hosts io \(hosts) × \(ioWorkers): drain \(Format.rate(drain)) msg/s")
        }
        var p50 = Samples(), p99 = Samples(), worst = Samples()
        for _ in 0..<options.runs {
            let sorted = try await latency(cluster, hosts: 3, workers: noopWorkers, rate: 1_000, seconds: options.quick ? 1 : 3).sorted()
            p50.values.append(percentile(sorted, 0.5))
            p99.values.append(percentile(sorted, 0.99))
            worst.values.append(sorted.last ?? .nan)
        }
        table.rows.append([
            "send → start, 1,000 msg/s", "3 × \(noopWorkers)", "-", "-", "-", "-",
            "p50 \(Format.millis(p50.median)) ms, p99 \(Format.millis(p99.median)) ms, max \(Format.millis(worst.median)) ms",
        ])
        table.notes = [
            "Every host is a process of its own (QueueBenchmarks \(HostsBenchmarkChild.command)) with a PostgresQueueStore of 4 connections.",
            "no-op: \(Format.grouped(backlog)) messages sent 100 per send call (as the e2e suite) or 10 (one transaction each, "
                + "as the anchor's producer), then the hosts are told to start; end-to-end = messages / (enqueue time + drain time), "
                + "as the anchor counts it.",
            "20 ms per batch: the handler sleeps 20 ms once per batch of 10 (an I/O-bound handler); drain of a "
                + "\(Format.grouped(backlog)) backlog; ratio against one host.",
            "send → start: one message per send call, paced at 1,000/s, to 3 idle hosts; latency from just before "
                + "the send to the handler's start, in whichever host got it.",
            "The server runs with PostgreSQL's default settings (synchronous_commit on), as the anchor's does; the rows marked "
                + "synchronous_commit=off set it on their database (ALTER DATABASE), a user's choice the store never makes.",
        ]
        return table
    }

    /// One drain: a fresh database, `hosts` processes, the backlog, and the clock until it is gone.
    static func measure(
        _ cluster: BenchPostgresCluster, mode: HostsBenchmarkChild.Mode, hosts: Int, workers: Int, backlog: Int, sendBatch: Int,
        asyncCommit: Bool = false
    ) async throws -> (enqueue: Double, drain: Double, endToEnd: Double) {
        try await withDatabase(cluster, asyncCommit: asyncCommit) { url, store in
            let children = try await HostProcesses.launch(count: hosts, url: url, mode: mode, workers: workers)
            do {
                let enqueueSeconds = try await fill(store, count: backlog, batch: sendBatch)
                let start = monotonicNanos()
                children.go()
                // Polled every 5 ms while far from done, every 1 ms near the end: the poll's own
                // statements ran on the server 1,000 times a second and took CPU from the drain.
                while case let left = try await store.stats(for: "bench").total, left > 0 {
                    try await Task.sleep(for: .milliseconds(left > 1_000 ? 5 : 1))
                }
                let drainSeconds = seconds(since: start)
                let results = try await children.stop()
                let handled = results.reduce(0) { $0 + $1.handled }
                guard handled >= backlog else {
                    throw BenchmarkError("hosts: the handlers saw \(handled) of \(backlog) messages")
                }
                return (Double(backlog) / enqueueSeconds, Double(backlog) / drainSeconds,
                        Double(backlog) / (enqueueSeconds + drainSeconds))
            } catch {
                children.kill()
                throw error
            }
        }
    }

    /// Send → start latencies in seconds, from `hosts` idle processes.
    static func latency(_ cluster: BenchPostgresCluster, hosts: Int, workers: Int, rate: Int, seconds duration: Double) async throws -> [Double] {
        try await withDatabase(cluster) { url, store in
            let children = try await HostProcesses.launch(count: hosts, url: url, mode: .latency, workers: workers)
            do {
                children.go()
                // Let every worker start and wait before the first send.
                try await Task.sleep(for: .milliseconds(500))
                let total = Int(Double(rate) * duration)
                let interval = 1e9 / Double(rate)
                let start = monotonicNanos()
                for index in 0..<total {
                    let due = start + UInt64(Double(index) * interval)
                    let now = monotonicNanos()
                    if due > now { try await Task.sleep(for: .nanoseconds(Int(due - now))) }
                    try await store.send([OutgoingMessage(body: LatencyStamp.body(sentAt: monotonicNanos()))], to: "bench")
                }
                while try await store.stats(for: "bench").total > 0 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                return try await children.stop().flatMap(\.latencies).map { Double($0) / 1e6 }
            } catch {
                children.kill()
                throw error
            }
        }
    }

    /// Runs `body` with a fresh database on `cluster` and a store of this process on it.
    /// `asyncCommit` sets the database to `synchronous_commit = off` before anyone connects.
    private static func withDatabase<T: Sendable>(
        _ cluster: BenchPostgresCluster, asyncCommit: Bool = false, _ body: (String, PostgresQueueStore) async throws -> T
    ) async throws -> T {
        let name = "qf_hosts_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try await PostgresBenchDatabase.run("CREATE DATABASE \(name)", adminURL: cluster.adminURL)
        if asyncCommit {
            try await PostgresBenchDatabase.run("ALTER DATABASE \(name) SET synchronous_commit = off", adminURL: cluster.adminURL)
        }
        let url = PostgresBenchDatabase.url(cluster.adminURL, database: name)
        let store = try await PostgresQueueStore(url: url, options: .init(connections: 2))
        do {
            let result = try await body(url, store)
            await store.close()
            await PostgresBenchDatabase.drop(name, adminURL: cluster.adminURL)
            return result
        } catch {
            await store.close()
            await PostgresBenchDatabase.drop(name, adminURL: cluster.adminURL)
            throw error
        }
    }

    /// Sends `count` bodies, `batch` per send call; returns the seconds it took.
    private static func fill(_ store: any QueueStore, count: Int, batch: Int) async throws -> Double {
        let start = monotonicNanos()
        var sent = 0
        while sent < count {
            let size = min(batch, count - sent)
            try await store.send((0..<size).map { _ in OutgoingMessage(body: BenchBody.sample) }, to: "bench")
            sent += size
        }
        return seconds(since: start)
    }
}
