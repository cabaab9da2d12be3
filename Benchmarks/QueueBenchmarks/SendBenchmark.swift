import Foundation
import QueueFunctionsHost

/// Send rate: one message per call (sequential, and from 8 concurrent tasks so that
/// SQLite's group commit shares transactions), and 100 messages per call.
enum SendBenchmark {
    private struct Mode {
        var name: String
        var tasks: Int
        var perCall: Int
    }

    private static let modes = [
        Mode(name: "single, sequential", tasks: 1, perCall: 1),
        Mode(name: "single, 8 concurrent tasks", tasks: 8, perCall: 1),
        Mode(name: "batch of 100, sequential", tasks: 1, perCall: 100),
    ]

    /// The `--send-mode` names, in the order of ``modes``.
    static let modeNames = ["sequential", "concurrent", "batch"]

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let count = options.count(full: 20_000, quick: 4_000)
        var engines = options.engines
        if let full = options.engines.first(where: \.isSQLite)?.full { engines.append(full) }
        var table = ResultTable(
            title: "Send rate (msg/s; median of \(options.runs), range in parentheses)",
            command: options.commandLine, headers: ["engine", "mode", "messages", "msg/s", "msgs/commit"]
        )
        for engine in engines {
            for (mode, name) in zip(modes, modeNames) where options.sendModes.contains(name) {
                // Batched sends are cheap per message: send 10x more to get a measurable time.
                let messages = mode.perCall > 1 ? count * 10 : count
                var samples = Samples(), perCommit = Samples()
                for _ in 0..<options.runs {
                    let run = try await measure(engine, mode, messages: messages)
                    samples.values.append(run.rate)
                    if let shared = run.perCommit { perCommit.values.append(shared) }
                }
                let shared = perCommit.values.isEmpty ? "–" : String(format: "%.1f", perCommit.median)
                table.rows.append([engine.description, mode.name, Format.grouped(messages), Format.rate(samples), shared])
                progress("  send \(engine) \(mode.name): \(Format.rate(samples)) msg/s, \(shared) msgs/commit")
            }
        }
        table.notes = [
            "Each call builds its OutgoingMessage(s) (a new time-ordered id) inside the timed loop; body \(BenchBody.sample.count) bytes.",
            "SQLite files live in a fresh temporary directory per run; 'sqlite' is synchronous=NORMAL.",
            "msgs/commit: messages per SQLite transaction (median), how far group commit coalesced concurrent calls.",
        ]
        return table
    }

    /// One run of single sends from concurrent tasks: the rate, and for SQLite how many
    /// messages shared each commit on average.
    struct SingleSends {
        var rate: Double
        var messagesPerCommit: Double?
    }

    /// Sends `messages` one per call from `tasks` concurrent tasks.
    static func singleSends(_ engine: BenchEngine, tasks: Int, messages: Int) async throws -> SingleSends {
        let run = try await measure(engine, Mode(name: "single", tasks: tasks, perCall: 1), messages: messages)
        return SingleSends(rate: run.rate, messagesPerCommit: run.perCommit)
    }

    /// Messages per second for one run of `mode`, and for SQLite the messages per commit.
    private static func measure(
        _ engine: BenchEngine, _ mode: Mode, messages: Int
    ) async throws -> (rate: Double, perCommit: Double?) {
        let open = try await engine.open()
        let store = open.store
        let body = BenchBody.sample
        let calls = messages / mode.perCall
        let perTask = calls / mode.tasks
        let commitsBefore = (store as? SQLiteQueueStore)?.commitCount
        let start = monotonicNanos()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<mode.tasks {
                group.addTask {
                    for _ in 0..<perTask {
                        let batch = (0..<mode.perCall).map { _ in OutgoingMessage(body: body) }
                        try await store.send(batch, to: "bench")
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(since: start)
        let sent = perTask * mode.tasks * mode.perCall
        var perCommit: Double?
        if let before = commitsBefore, let after = (store as? SQLiteQueueStore)?.commitCount, after > before {
            perCommit = Double(sent) / Double(after - before)
        }
        let stats = try await store.stats(for: "bench")
        await open.close()
        guard stats.visible == sent else {
            throw BenchmarkError("send benchmark: \(sent) messages sent but \(stats.visible) visible")
        }
        return (Double(sent) / elapsed, perCommit)
    }
}
