import Foundation
import QueueFunctionsHost

/// Our engines beside the machine's limits, in one session: the Swift anchors of
/// `../shared/anchors/` and the same figures of ours, run one after the other in every
/// round so that a ratio compares runs under the same load.
enum LimitsBenchmark {
    /// The figures of one round, by row name.
    private typealias Round = [String: (ours: Double, limit: Double)]

    /// The rows, in print order: name, and what the limit side is.
    private static let rows: [(name: String, limit: String)] = [
        ("SQLite end-to-end, 2 workers, batch 10", "sqlite-limit end-to-end"),
        ("SQLite drain, 2 workers, batch 10", "sqlite-limit drain"),
        ("SQLite enqueue, 100 per send", "sqlite-limit enqueue"),
        ("SQLite single durable sends, 8 tasks", "sqlite-limit enqueue (100 per transaction)"),
        ("memory drain, 2 workers, raw body", "memory-limit drain"),
        ("memory end-to-end, 2 workers, raw body", "memory-limit e2e"),
        ("memory enqueue, 100 per send", "memory-limit enqueue"),
    ]

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let anchors = try Anchors.locate(explicit: options.anchorsFolder)
        progress("  limits: building the anchors from \(anchors.folder.path) in \(anchors.scratch.path)")
        let sqliteLimit = try anchors.build(Anchors.sqlite)
        let memoryLimit = try anchors.build(Anchors.memory)
        // The anchors' message counts, unless --messages asks for fewer (a quick look).
        let sqliteBacklog = options.messages ?? (options.quick ? 20_000 : 200_000)
        let memoryBacklog = options.messages ?? (options.quick ? 100_000 : 1_000_000)
        let sends = options.count(full: 20_000, quick: 4_000)
        var rounds: [Round] = []
        for round in 1...options.runs {
            var figures: Round = [:]
            let sqliteAnchor = try Anchors.measure(sqliteLimit, Anchors.sqlite)
            let sqlite = try await EndToEndBenchmark.measure(.sqlite(.normal), .raw, workers: 2, backlog: sqliteBacklog)
            let single = try await SendBenchmark.singleSends(.sqlite(.normal), tasks: 8, messages: sends)
            figures[rows[0].name] = (sqlite.endToEnd, sqliteAnchor["e2e"] ?? .nan)
            figures[rows[1].name] = (sqlite.drain, sqliteAnchor["drain"] ?? .nan)
            figures[rows[2].name] = (sqlite.enqueue, sqliteAnchor["enqueue"] ?? .nan)
            figures[rows[3].name] = (single.rate, sqliteAnchor["enqueue"] ?? .nan)
            let memoryAnchor = try Anchors.measure(memoryLimit, Anchors.memory)
            let memory = try await EndToEndBenchmark.measure(.memory, .raw, workers: 2, backlog: memoryBacklog)
            figures[rows[4].name] = (memory.drain, memoryAnchor["drain"] ?? .nan)
            figures[rows[5].name] = (memory.endToEnd, memoryAnchor["e2e"] ?? .nan)
            figures[rows[6].name] = (memory.enqueue, memoryAnchor["enqueue"] ?? .nan)
            rounds.append(figures)
            progress("  limits round \(round): SQLite e2e \(Format.rate(sqlite.endToEnd)) vs \(Format.rate(sqliteAnchor["e2e"] ?? .nan)), "
                + "memory drain \(Format.rate(memory.drain)) vs \(Format.rate(memoryAnchor["drain"] ?? .nan)) msg/s")
        }
        var table = ResultTable(
            title: "Ours beside the machine's limits, one session (msg/s; median of \(options.runs) rounds, range in parentheses)",
            command: options.commandLine,
            headers: ["figure", "ours", "limit", "ours ÷ limit", "limit is"]
        )
        for row in rows {
            let ours = Samples(values: rounds.compactMap { $0[row.name]?.ours })
            let limit = Samples(values: rounds.compactMap { $0[row.name]?.limit })
            let ratios = Samples(values: rounds.compactMap { round in round[row.name].map { $0.ours / $0.limit } })
            table.rows.append([row.name, Format.rate(ours), Format.rate(limit), Format.ratio(ratios), row.limit])
        }
        table.notes = [
            "Every round runs sqlite-limit (\(Anchors.sqlite.arguments.joined(separator: " "))), our SQLite figures, "
                + "memory-limit (\(Anchors.memory.arguments.joined(separator: " "))), then our memory figures, one after the other.",
            "Ours: SQLite backlog \(Format.grouped(sqliteBacklog)), memory backlog \(Format.grouped(memoryBacklog)), "
                + "\(Format.grouped(sends)) single sends; the real FunctionHost, batch 10, no-op RawBody handler.",
            "ours ÷ limit is the median of each round's ratio. Bodies: sqlite-limit 200 bytes, memory-limit \(Anchors.memoryBodyBytes), ours \(BenchBody.sample.count).",
            "Anchors from \(anchors.folder.path), built in \(anchors.scratch.path) (set \(Anchors.folderVariable) or --anchors to use others).",
        ]
        return table
    }
}
