import Foundation
import QueueFunctionsHost

/// Our engines beside the machine's limits, in one session: the Swift anchors of
/// `../shared/anchors/` and the same figures of ours, run one after the other in every
/// round so that a ratio compares runs under the same load.
enum LimitsBenchmark {
    /// The rows, in print order.
    private enum Row: CaseIterable {
        case sqliteEndToEnd, sqliteDrain, sqliteEnqueue, singleSends, singleSendsBesideGroupCommit
        case memoryDrain, memoryEndToEnd, memoryEnqueue

        var name: String {
            switch self {
            case .sqliteEndToEnd: "SQLite end-to-end, 2 workers, batch 10"
            case .sqliteDrain: "SQLite drain, 2 workers, batch 10"
            case .sqliteEnqueue: "SQLite enqueue, 100 per send"
            case .singleSends, .singleSendsBesideGroupCommit: "SQLite single durable sends, 8 tasks"
            case .memoryDrain: "memory drain, 2 workers, raw body"
            case .memoryEndToEnd: "memory end-to-end, 2 workers, raw body"
            case .memoryEnqueue: "memory enqueue, 100 per send"
            }
        }

        /// What the limit side is.
        var limit: String {
            switch self {
            case .sqliteEndToEnd: "sqlite-limit end-to-end"
            case .sqliteDrain: "sqlite-limit drain"
            case .sqliteEnqueue: "sqlite-limit enqueue"
            case .singleSends: "sqlite-limit enqueue (100 per transaction)"
            case .singleSendsBesideGroupCommit: "raw SQLite group commit, 8 threads"
            case .memoryDrain: "memory-limit drain"
            case .memoryEndToEnd: "memory-limit e2e"
            case .memoryEnqueue: "memory-limit enqueue"
            }
        }
    }

    /// The figures of one round, by row.
    private typealias Round = [Row: (ours: Double, limit: Double)]

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
            figures[.sqliteEndToEnd] = (sqlite.endToEnd, sqliteAnchor["e2e"] ?? .nan)
            figures[.sqliteDrain] = (sqlite.drain, sqliteAnchor["drain"] ?? .nan)
            figures[.sqliteEnqueue] = (sqlite.enqueue, sqliteAnchor["enqueue"] ?? .nan)
            figures[.singleSends] = (single.rate, sqliteAnchor["enqueue"] ?? .nan)
            let groupCommit = try GroupCommitAnchor.run(senders: 8, messages: sends, bodyBytes: BenchBody.sample.count)
            figures[.singleSendsBesideGroupCommit] = (single.rate, groupCommit)
            let memoryAnchor = try Anchors.measure(memoryLimit, Anchors.memory)
            let memory = try await EndToEndBenchmark.measure(.memory, .raw, workers: 2, backlog: memoryBacklog)
            figures[.memoryDrain] = (memory.drain, memoryAnchor["drain"] ?? .nan)
            figures[.memoryEndToEnd] = (memory.endToEnd, memoryAnchor["e2e"] ?? .nan)
            figures[.memoryEnqueue] = (memory.enqueue, memoryAnchor["enqueue"] ?? .nan)
            rounds.append(figures)
            progress("  limits round \(round): SQLite e2e \(Format.rate(sqlite.endToEnd)) vs \(Format.rate(sqliteAnchor["e2e"] ?? .nan)), "
                + "memory drain \(Format.rate(memory.drain)) vs \(Format.rate(memoryAnchor["drain"] ?? .nan)) msg/s")
        }
        var table = ResultTable(
            title: "Ours beside the machine's limits, one session (msg/s; median of \(options.runs) rounds, range in parentheses)",
            command: options.commandLine,
            headers: ["figure", "ours", "limit", "ours ÷ limit", "limit is"]
        )
        for row in Row.allCases {
            let ours = Samples(values: rounds.compactMap { $0[row]?.ours })
            let limit = Samples(values: rounds.compactMap { $0[row]?.limit })
            let ratios = Samples(values: rounds.compactMap { round in round[row].map { $0.ours / $0.limit } })
            table.rows.append([row.name, Format.rate(ours), Format.rate(limit), Format.ratio(ratios), row.limit])
        }
        table.notes = [
            "Every round runs sqlite-limit (\(Anchors.sqlite.arguments.joined(separator: " "))), our SQLite figures, "
                + "memory-limit (\(Anchors.memory.arguments.joined(separator: " "))), then our memory figures, one after the other.",
            "Ours: SQLite backlog \(Format.grouped(sqliteBacklog)), memory backlog \(Format.grouped(memoryBacklog)), "
                + "\(Format.grouped(sends)) single sends; the real FunctionHost, batch 10, no-op RawBody handler.",
            "Raw SQLite group commit: \(Format.grouped(sends)) rows from 8 system threads, each waiting for the commit "
                + "that holds its row, one writer thread (GroupCommitAnchor.swift): the same pattern without the library.",
            "ours ÷ limit is the median of each round's ratio. Bodies: sqlite-limit 200 bytes, memory-limit \(Anchors.memoryBodyBytes), ours \(BenchBody.sample.count).",
            "Anchors from \(anchors.folder.path), built in \(anchors.scratch.path) (set \(Anchors.folderVariable) or --anchors to use others).",
        ]
        return table
    }
}
