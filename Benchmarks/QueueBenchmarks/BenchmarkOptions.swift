import Foundation
import QueueFunctionsHost

/// What to run, parsed from the command line:
/// `QueueBenchmarks [all|send|e2e|latency|memory|publish|fifo|limits] [--engine memory|sqlite|both|postgres] [--messages N]
/// [--runs R] [--workers 1,2,4,8] [--handler raw|json|both] [--send-mode M,…] [--fifo-groups N] [--anchors DIR] [--quick] [--markdown]`.
struct BenchmarkOptions: Sendable {
    /// The suites a run can select.
    enum Suite: String, Sendable, CaseIterable {
        case send, e2e, latency, memory, publish, fifo, limits, hosts

        /// What `all` runs: everything but `limits`, which needs the anchors.
        static let standard: [Suite] = [.send, .e2e, .latency, .memory, .publish, .fifo]
    }

    var suites: [Suite] = Suite.standard
    var engines: [BenchEngine] = [.memory, .sqlite(.normal)]
    /// Overrides every suite's message count when set.
    var messages: Int?
    var runs = 3
    var workers = [1, 2, 4, 8]
    /// The end-to-end handlers to run: `RawBody`, `JSON` or both.
    var handlers = EndToEndBenchmark.Handler.allCases
    var quick = false
    var markdown = false
    /// The message groups of the FIFO end-to-end suite (`--fifo-groups`).
    var fifoGroups = 10
    /// The send modes to run (`sequential`, `concurrent`, `batch`).
    var sendModes = SendBenchmark.modeNames
    /// `--pg-anchor`: the `hosts` suite runs the PostgreSQL anchor first, in the same run.
    var postgresAnchor = false
    /// `--one-host`: the `hosts` suite runs only its one-host no-op rows (100 and 10 per
    /// send; 100 per send with synchronous_commit=off), to compare builds quickly beside the anchor.
    var oneHostOnly = false
    /// `--anchors DIR`: the folder that holds the anchors for `limits`.
    var anchorsFolder: String?
    /// The arguments as given, to print next to each table.
    var commandLine = ""

    static let usage = """
        usage: QueueBenchmarks [all|send|e2e|latency|memory|publish|fifo|limits|hosts] [--engine memory|sqlite|both|postgres]
                               [--messages N] [--runs R] [--workers 1,2,4,8] [--handler raw|json|both]
                               [--send-mode sequential,concurrent,batch] [--fifo-groups N] [--anchors DIR] [--pg-anchor]
                               [--one-host] [--quick] [--markdown]
        hosts runs 1–3 host processes on a private PostgreSQL cluster (or $\(BenchEngine.postgresVariable));
        --pg-anchor runs the anchor pg-skip-locked.sh first, in the same run; --one-host keeps only
        its one-host no-op rows.
        limits builds the anchors of ../shared/anchors (or --anchors DIR, or $\(Anchors.folderVariable))
        and prints our figures beside them, ours ÷ limit.
        """

    /// Parses `arguments` (without the program name).
    ///
    /// - Throws: ``BenchmarkError`` naming the argument that could not be read.
    static func parse(_ arguments: [String]) throws -> BenchmarkOptions {
        var options = BenchmarkOptions()
        options.commandLine = (["QueueBenchmarks"] + arguments).joined(separator: " ")
        var runsGiven = false
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchmarkError("\(flag) needs a value\n\(usage)") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "all": options.suites = Suite.standard
            case "send", "e2e", "latency", "memory", "publish", "fifo", "limits", "hosts":
                options.suites = [Suite(rawValue: argument)].compactMap { $0 }
            case "--engine":
                switch try value(argument) {
                case "memory": options.engines = [.memory]
                case "sqlite": options.engines = [.sqlite(.normal)]
                case "both": options.engines = [.memory, .sqlite(.normal)]
                case "postgres": options.engines = [try BenchEngine.postgres()]
                case let other: throw BenchmarkError("unknown engine '\(other)'; use memory, sqlite, both or postgres")
                }
            case "--messages": options.messages = try positive(value(argument), flag: argument)
            case "--runs":
                options.runs = try positive(value(argument), flag: argument)
                runsGiven = true
            case "--workers":
                options.workers = try value(argument).split(separator: ",").map { try positive(String($0), flag: argument) }
            case "--handler":
                switch try value(argument) {
                case "raw": options.handlers = [.raw]
                case "json": options.handlers = [.json]
                case "both": options.handlers = EndToEndBenchmark.Handler.allCases
                case let other: throw BenchmarkError("unknown handler '\(other)'; use raw, json or both")
                }
            case "--fifo-groups": options.fifoGroups = try positive(value(argument), flag: argument)
            case "--send-mode":
                let modes = try value(argument).split(separator: ",").map(String.init)
                if let unknown = modes.first(where: { !SendBenchmark.modeNames.contains($0) }) {
                    throw BenchmarkError("unknown send mode '\(unknown)'; use \(SendBenchmark.modeNames.joined(separator: ", "))")
                }
                options.sendModes = modes
            case "--anchors": options.anchorsFolder = try value(argument)
            case "--pg-anchor": options.postgresAnchor = true
            case "--one-host": options.oneHostOnly = true
            case "--quick": options.quick = true
            case "--markdown": options.markdown = true
            case "-h", "--help": throw BenchmarkError(usage)
            default: throw BenchmarkError("unknown argument '\(argument)'\n\(usage)")
            }
        }
        if options.quick && !runsGiven { options.runs = 1 }
        return options
    }

    private static func positive(_ text: String, flag: String) throws -> Int {
        guard let number = Int(text.replacingOccurrences(of: "_", with: "")), number > 0 else {
            throw BenchmarkError("\(flag) takes a positive whole number, not '\(text)'")
        }
        return number
    }

    /// `full` messages normally, `quick` with `--quick`, or `--messages` when given.
    func count(full: Int, quick: Int) -> Int {
        messages ?? (self.quick ? quick : full)
    }
}

/// A benchmark that cannot run, with the reason.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
