import Foundation
import QueueFunctionsHost

/// FIFO end to end: a backlog spread round-robin over `--fifo-groups` message groups of a
/// FIFO queue, drained by the real ``FunctionHost`` with a no-op handler (batch 10). A
/// group has one message in flight at a time, so a batch holds at most one message per group.
enum FIFOBenchmark {
    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let backlog = options.count(full: 50_000, quick: 10_000)
        let groups = options.fifoGroups
        var table = ResultTable(
            title: "FIFO end-to-end, backlog of \(Format.grouped(backlog)) in \(groups) groups, batch 10, no-op handler "
                + "(msg/s; median of \(options.runs), range in parentheses)",
            command: options.commandLine,
            headers: ["engine", "groups", "workers", "enqueue msg/s", "drain msg/s", "end-to-end msg/s"]
        )
        for engine in options.engines {
            for workers in options.workers {
                var enqueue = Samples(), drain = Samples(), endToEnd = Samples()
                for _ in 0..<options.runs {
                    let run = try await measure(engine, workers: workers, backlog: backlog, groups: groups)
                    enqueue.values.append(run.enqueue)
                    drain.values.append(run.drain)
                    endToEnd.values.append(run.endToEnd)
                }
                table.rows.append([
                    engine.description, "\(groups)", "\(workers)", Format.rate(enqueue), Format.rate(drain), Format.rate(endToEnd),
                ])
                progress("  fifo \(engine) \(groups) groups \(workers) workers: drain \(Format.rate(drain)) msg/s")
            }
        }
        table.notes = [
            "enqueue: the backlog sent 100 messages per call (groups round-robin), before the host starts.",
            "drain: from starting the host until every message is handled and its ack has returned.",
            "A receive leases at most one message per group, so with 10 groups a batch holds at most 10 messages "
                + "and more than \(groups) busy workers cannot help.",
        ]
        return table
    }

    static func measure(_ engine: BenchEngine, workers: Int, backlog: Int, groups: Int) async throws -> EndToEndBenchmark.Run {
        let open = try await engine.open()
        let store = open.store
        let bodies = (0..<100).map(BenchBody.order)
        let fillStart = monotonicNanos()
        var sent = 0
        while sent < backlog {
            let size = min(100, backlog - sent)
            try await store.send((0..<size).map {
                OutgoingMessage(body: bodies[$0], groupID: "g\((sent + $0) % groups)")
            }, to: "bench")
            sent += size
        }
        let enqueueSeconds = seconds(since: fillStart)
        let countdown = Countdown(target: backlog)
        var registry = FunctionRegistry()
        registry.register("noop", RawNoOp(countdown: countdown))
        var manifest = benchManifest(workers: workers, handler: "noop")
        manifest.queues[0].delivery = QueueDelivery(fifo: true)
        let host = try FunctionHost(manifest: manifest, registry: registry, store: store, logger: .disabled)
        let start = monotonicNanos()
        let running = Task { await host.run() }
        await countdown.wait()
        let runner = host.runners[0]
        while runner.metrics.snapshot.succeeded < backlog {
            try await Task.sleep(for: .microseconds(100))
        }
        let drainSeconds = seconds(since: start)
        host.stop()
        await running.value
        let left = try await store.stats(for: "bench")
        await open.close()
        guard left.total == 0 else {
            throw BenchmarkError("fifo: \(left.total) messages left on the queue after the run")
        }
        return EndToEndBenchmark.Run(
            enqueue: Double(backlog) / enqueueSeconds, drain: Double(backlog) / drainSeconds,
            endToEnd: Double(backlog) / (enqueueSeconds + drainSeconds), writtenPerMessage: 0
        )
    }
}
