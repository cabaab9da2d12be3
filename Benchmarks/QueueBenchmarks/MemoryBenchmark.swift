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
        /// Resident memory after each tenth of the backlog.
        var during: [Double]
    }

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let backlog = options.count(full: 1_000_000, quick: 100_000)
        var table = ResultTable(
            title: "Memory with a backlog of \(Format.grouped(backlog)) messages of \(BenchBody.sample.count) bytes "
                + "(MiB; median of \(options.runs) runs, one process per run)",
            command: options.commandLine,
            headers: ["engine", "RSS before", "RSS after fill", "peak RSS (VmHWM)", "fill msg/s", "stats() µs",
                      "RSS at 10%, 20%, … 100% of the fill"]
        )
        for engine in options.engines {
            var runs: [Run] = []
            for _ in 0..<options.runs { runs.append(try child(engine, backlog: backlog)) }
            func median(_ value: (Run) -> Double) -> Double { Samples(values: runs.map(value)).median }
            let middle = runs.sorted { $0.peak < $1.peak }[runs.count / 2]
            table.rows.append([
                engine.description, Format.mebibytes(median(\.baseline)), Format.mebibytes(median(\.final)),
                Format.mebibytes(median(\.peak)), Format.rate(Double(backlog) / median(\.fillSeconds)),
                String(format: "%.0f", median(\.statsSeconds) * 1_000_000),
                middle.during.map(Format.mebibytes).joined(separator: " "),
            ])
            progress("  memory \(engine): peak \(Format.mebibytes(median(\.peak))) MiB")
        }
        table.notes = [
            "Filled 100 messages per send call; the fill column shows the run with the median peak.",
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
        guard process.terminationStatus == 0, numbers.count >= 5 else {
            throw BenchmarkError("memory child for \(engine) failed (status \(process.terminationStatus)): \(output)")
        }
        return Run(
            baseline: numbers[0], peak: numbers[1], final: numbers[2], fillSeconds: numbers[3], statsSeconds: numbers[4],
            during: Array(numbers.dropFirst(5))
        )
    }

    /// The child's side: fill a fresh store, then print
    /// `baseline peak final fillSeconds statsSeconds rss10% … rss100%`.
    static func childMain(_ arguments: [String]) async throws {
        guard arguments.count == 2, let backlog = Int(arguments[1]) else {
            throw BenchmarkError("usage: QueueBenchmarks \(childCommand) memory|sqlite COUNT")
        }
        let engine: BenchEngine = arguments[0] == "sqlite" ? .sqlite(.normal) : .memory
        let open = try await engine.open()
        let baseline = ProcessMemory.resident
        var during: [Double] = []
        let step = max(100, backlog / 10 / 100 * 100)
        let fillSeconds = try await EndToEndBenchmark.fill(open.store, count: backlog, every: step) { _ in
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
        print(([baseline, peak, final, fillSeconds, statsSeconds] + during).map { String($0) }.joined(separator: " "))
    }
}
