import Foundation
import QueueFunctionsHost

/// End-to-end: pre-fill a backlog, then run the real ``FunctionHost`` with a no-op
/// handler (batch 10) until the queue is empty.
enum EndToEndBenchmark {
    /// Which handler the host runs.
    enum Handler: String, CaseIterable, Sendable {
        case raw = "RawBody"
        case json = "JSON"
    }

    /// One run's figures, in messages per second.
    struct Run {
        var enqueue: Double
        var drain: Double
        var endToEnd: Double
        /// Bytes written per message while draining.
        var writtenPerMessage: Double
    }

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let backlog = options.count(full: 100_000, quick: 20_000)
        var table = ResultTable(
            title: "End-to-end, backlog of \(Format.grouped(backlog)), batch 10, no-op handler "
                + "(msg/s; median of \(options.runs), range in parentheses)",
            command: options.commandLine,
            headers: ["engine", "handler", "workers", "enqueue msg/s", "drain msg/s", "end-to-end msg/s", "drain bytes written/msg"]
        )
        var cases: [(BenchEngine, Int)] = []
        for engine in options.engines {
            cases += options.workers.map { (engine, $0) }
            if let full = engine.full, options.workers.contains(2) { cases.append((full, 2)) }
        }
        for (engine, workers) in cases {
            for handler in options.handlers {
                var enqueue = Samples(), drain = Samples(), endToEnd = Samples(), written = Samples()
                for _ in 0..<options.runs {
                    let run = try await measure(engine, handler, workers: workers, backlog: backlog)
                    enqueue.values.append(run.enqueue)
                    drain.values.append(run.drain)
                    endToEnd.values.append(run.endToEnd)
                    written.values.append(run.writtenPerMessage)
                }
                table.rows.append([
                    engine.description, handler.rawValue, "\(workers)",
                    Format.rate(enqueue), Format.rate(drain), Format.rate(endToEnd), Format.rate(written.median),
                ])
                progress("  e2e \(engine) \(handler.rawValue) \(workers) workers: drain \(Format.rate(drain)), "
                    + "end-to-end \(Format.rate(endToEnd)) msg/s")
            }
        }
        table.notes = [
            "enqueue: the backlog sent 100 messages per call, before the host starts.",
            "drain: from starting the host until every message is handled and its ack has returned.",
            "end-to-end: backlog / (enqueue time + drain time), the peers.md definition.",
            "drain bytes written/msg: bytes the process passed to write calls while draining (WAL frames, checkpoints).",
        ]
        return table
    }

    /// One run: a fresh store, the backlog, a host, and the clock until it is empty.
    static func measure(_ engine: BenchEngine, _ handler: Handler, workers: Int, backlog: Int) async throws -> Run {
        let open = try await engine.open()
        let store = open.store
        let enqueueSeconds = try await fill(store, count: backlog)
        let countdown = Countdown(target: backlog)
        var registry = FunctionRegistry()
        switch handler {
        case .raw: registry.register("noop", RawNoOp(countdown: countdown))
        case .json: registry.register("noop", DecodedNoOp(countdown: countdown))
        }
        let host = try FunctionHost(
            manifest: benchManifest(workers: workers, handler: "noop"), registry: registry, store: store,
            logger: .disabled
        )
        let writtenBefore = ProcessMemory.written
        let start = monotonicNanos()
        let running = Task { await host.run() }
        await countdown.wait()
        // The handler has seen every message; wait for the last acks to return.
        let runner = host.runners[0]
        while runner.metrics.snapshot.succeeded < backlog {
            try await Task.sleep(for: .microseconds(100))
        }
        let drainSeconds = seconds(since: start)
        let written = ProcessMemory.written - writtenBefore
        host.stop()
        await running.value
        let left = try await store.stats(for: "bench")
        await open.close()
        guard left.total == 0 else {
            throw BenchmarkError("end-to-end: \(left.total) messages left on the queue after the run")
        }
        return Run(
            enqueue: Double(backlog) / enqueueSeconds, drain: Double(backlog) / drainSeconds,
            endToEnd: Double(backlog) / (enqueueSeconds + drainSeconds), writtenPerMessage: written / Double(backlog)
        )
    }

    /// Sends `count` order bodies, 100 per call; returns the seconds it took.
    private static let ownBodies = ProcessInfo.processInfo.environment["QUEUEBENCH_OWN_BODIES"] == "1"

    static func fill(_ store: any QueueStore, count: Int, every: Int = 0, sample: (Int) -> Void = { _ in }) async throws -> Double {
        let bodies = (0..<100).map(BenchBody.order)
        let start = monotonicNanos()
        var sent = 0
        while sent < count {
            let size = min(100, count - sent)
            // QUEUEBENCH_OWN_BODIES=1: each message a body of its own, as producers send them
            // (for profiles that should count what keeping and freeing a body costs).
            try await store.send(
                (0..<size).map { OutgoingMessage(body: ownBodies ? bodies[$0].withUnsafeBytes { Data($0) } : bodies[$0]) },
                to: "bench"
            )
            sent += size
            if every > 0 && sent % every == 0 { sample(sent) }
        }
        return seconds(since: start)
    }
}
