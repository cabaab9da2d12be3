import Foundation
import QueueFunctionsHost

/// Peak memory with a large backlog. Each run is a child process of its own, so that
/// its peak (`VmHWM`) belongs to one engine and one backlog.
enum MemoryBenchmark {
    /// The hidden command a child runs: `memory-child ENGINE COUNT`.
    static let childCommand = "memory-child"

    /// What one child measured, in bytes and seconds.
    struct Run {
        var baseline: Double
        var peak: Double
        var final: Double
        var fillSeconds: Double
        /// How long one `stats(for:)` call takes with the full backlog (median of 5).
        var statsSeconds: Double
        /// The mean body length of the backlog's messages.
        var bodyBytes: Double
        /// Resident memory after each tenth of the backlog.
        var during: [Double]
    }

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let backlog = options.count(full: 1_000_000, quick: 100_000)
        var table = ResultTable(
            title: "Memory with a backlog of \(Format.grouped(backlog)) messages of \(BenchBody.sample.count) bytes "
                + "(MiB; median of \(options.runs) runs, one process per run)",
            command: options.commandLine,
            headers: ["engine", "RSS before", "RSS after fill", "peak RSS (VmHWM)", "bytes per message beyond the body",
                      "fill msg/s", "stats() µs", "RSS at 10%, 20%, … 100% of the fill"]
        )
        for engine in options.engines {
            var runs: [Run] = []
            for _ in 0..<options.runs { runs.append(try child(engine, backlog: backlog)) }
            func median(_ value: (Run) -> Double) -> Double { Samples(values: runs.map(value)).median }
            let middle = runs.sorted { $0.peak < $1.peak }[runs.count / 2]
            table.rows.append([
                engine.description, Format.mebibytes(median(\.baseline)), Format.mebibytes(median(\.final)),
                Format.mebibytes(median(\.peak)),
                String(format: "%.1f", median { ($0.final - $0.baseline) / Double(backlog) - $0.bodyBytes }),
                Format.rate(Double(backlog) / median(\.fillSeconds)),
                String(format: "%.0f", median(\.statsSeconds) * 1_000_000),
                middle.during.map(Format.mebibytes).joined(separator: " "),
            ])
            progress("  memory \(engine): peak \(Format.mebibytes(median(\.peak))) MiB")
        }
        table.notes = [
            "Filled 100 messages per send call, each with a body of its own (as a producer's bodies arrive), so that "
                + "what an engine pays to keep a body is counted; the fill column shows the run with the median peak.",
            "Bytes beyond the body: (RSS after fill − RSS before) ÷ messages − the mean body length.",
            "stats(): one call of the store's stats(for:) on the full backlog (the autoscaler and /metrics make it every second).",
        ]
        return table
    }

    /// Runs one child process and reads its result line.
    private static func child(_ engine: BenchEngine, backlog: Int) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = [childCommand, engine.isSQLite ? "sqlite" : "memory", "\(backlog)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let numbers = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard process.terminationStatus == 0, numbers.count >= 6 else {
            throw BenchmarkError("memory child for \(engine) failed (status \(process.terminationStatus)): \(output)")
        }
        return Run(
            baseline: numbers[0], peak: numbers[1], final: numbers[2], fillSeconds: numbers[3], statsSeconds: numbers[4],
            bodyBytes: numbers[5], during: Array(numbers.dropFirst(6))
        )
    }

    /// The child's side: fill a fresh store, then print
    /// `baseline peak final fillSeconds statsSeconds bodyBytes rss10% … rss100%`.
    static func childMain(_ arguments: [String]) async throws {
        guard arguments.count == 2, let backlog = Int(arguments[1]) else {
            throw BenchmarkError("usage: QueueBenchmarks \(childCommand) memory|sqlite COUNT")
        }
        let engine: BenchEngine = arguments[0] == "sqlite" ? .sqlite(.normal) : .memory
        let open = try await engine.open()
        let baseline = ProcessMemory.resident
        var during: [Double] = []
        let step = max(100, backlog / 10 / 100 * 100)
        let (fillSeconds, bodyBytes) = try await fillWithOwnBodies(open.store, count: backlog, every: step) {
            during.append(ProcessMemory.resident)
        }
        let stats = try await open.store.stats(for: "bench")
        var statsTimes: [Double] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            _ = try await open.store.stats(for: "bench")
            let elapsed = ContinuousClock.now - started
            statsTimes.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let statsSeconds = statsTimes.sorted()[statsTimes.count / 2]
        let final = ProcessMemory.resident
        let peak = ProcessMemory.peak
        await open.close()
        guard stats.visible == backlog else {
            throw BenchmarkError("memory child: \(stats.visible) of \(backlog) messages visible after the fill")
        }
        print(([baseline, peak, final, fillSeconds, statsSeconds, bodyBytes] + during).map { String($0) }.joined(separator: " "))
    }

    /// Sends `count` messages to "bench", 100 per call, each with a body of its own: a fresh,
    /// exactly sized copy of one of 100 sample bodies, as bodies arrive from producers. (Sharing
    /// 100 `Data` values across the backlog would hide what an engine pays to keep a body.)
    /// Returns the fill's seconds and the mean body length; calls `sample` every `every` messages.
    private static func fillWithOwnBodies(
        _ store: any QueueStore, count: Int, every: Int, sample: () -> Void
    ) async throws -> (seconds: Double, bodyBytes: Double) {
        let bodies = (0..<100).map(BenchBody.order)
        var bodyBytes = 0
        var seconds = 0.0
        var sent = 0
        while sent < count {
            let size = min(100, count - sent)
            let messages = (0..<size).map { index in
                OutgoingMessage(body: bodies[index].withUnsafeBytes { Data($0) })
            }
            bodyBytes += messages.reduce(0) { $0 + $1.body.count }
            let started = ContinuousClock.now
            try await store.send(messages, to: "bench")
            let elapsed = ContinuousClock.now - started
            seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            sent += size
            if every > 0 && sent % every == 0 { sample() }
        }
        return (seconds, Double(bodyBytes) / Double(max(1, count)))
    }
}
