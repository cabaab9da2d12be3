import Foundation
import QueueFunctionsHost

/// Send → handler-start latency at a steady rate, one message per send, with an idle
/// host of 2 workers (batch 10) waiting on the queue.
enum LatencyBenchmark {
    static let rates = [1_000, 10_000]

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let duration = options.quick ? 1.0 : 3.0
        var table = ResultTable(
            title: "Send → handler-start latency, \(Int(duration)) s per rate, 2 idle workers "
                + "(ms; median of \(options.runs) runs)",
            command: options.commandLine,
            headers: ["engine", "target msg/s", "achieved msg/s", "p50 ms", "p99 ms", "max ms"]
        )
        for engine in options.engines {
            for rate in rates {
                var achieved = Samples(), p50 = Samples(), p99 = Samples(), worst = Samples()
                for _ in 0..<options.runs {
                    let run = try await measure(engine, rate: rate, duration: duration)
                    achieved.values.append(run.achieved)
                    let sorted = run.latencies.sorted()
                    p50.values.append(percentile(sorted, 0.5))
                    p99.values.append(percentile(sorted, 0.99))
                    worst.values.append(sorted.last ?? .nan)
                }
                table.rows.append([
                    engine.description, Format.grouped(rate), Format.rate(achieved.median),
                    Format.millis(p50.median), Format.millis(p99.median), Format.millis(worst.median),
                ])
                progress("  latency \(engine) \(rate)/s: p50 \(Format.millis(p50.median)) ms, p99 \(Format.millis(p99.median)) ms")
            }
        }
        table.notes = [
            "Latency = handler start − the moment just before `send` was called (so it includes the send's commit).",
            "Producer tasks (one per 2,000 msg/s) pace sends on one absolute schedule, taking turns; one that falls behind sends at once.",
        ]
        return table
    }

    private static func measure(_ engine: BenchEngine, rate: Int, duration: Double) async throws -> (achieved: Double, latencies: [Double]) {
        let open = try await engine.open()
        let store = open.store
        let log = LatencyLog()
        var registry = FunctionRegistry()
        registry.register("latency", LatencyRecorder(log: log))
        let host = try FunctionHost(
            manifest: benchManifest(workers: 2, handler: "latency"), registry: registry, store: store, logger: .disabled
        )
        let running = Task { await host.run() }
        while !(host.isQuiescent && host.runners[0].workerCount == 2) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let total = Int(Double(rate) * duration)
        let interval = 1e9 / Double(rate)
        // One producer per 2,000 msg/s: each send waits for its commit, so one task alone
        // cannot keep up with 10,000 single sends a second (as one HTTP client cannot).
        let producers = max(1, rate / 2_000)
        let start = monotonicNanos()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for index in stride(from: producer, to: total, by: producers) {
                        let due = start + UInt64(Double(index) * interval)
                        let now = monotonicNanos()
                        if due > now + 50_000 { try await Task.sleep(for: .nanoseconds(Int(due - now))) }
                        try await store.send(LatencyStamp.body(sentAt: monotonicNanos()), to: "bench")
                    }
                }
            }
            try await group.waitForAll()
        }
        let achieved = Double(total) / seconds(since: start)
        let waitStart = monotonicNanos()
        while log.all.count < total, seconds(since: waitStart) < 30 {
            try await Task.sleep(for: .milliseconds(1))
        }
        host.stop()
        await running.value
        await open.close()
        return (achieved, log.all)
    }
}
