import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator

/// The parsed command line: positional words, options with values, and flags.

struct CommandArguments: Sendable {
    /// Options that take a value.
    static let valueOptions: Set<String> = [
        "--manifest", "--store", "--port", "--bind", "--delay", "--to", "--limit", "--log-level", "--log-format",
        "--admin-token", "--grace-period", "--function", "--profiles", "--allowed-host", "--cors-origin",
        "--burst", "--steady", "--ramp", "--outage", "--handler-duration", "--seed",
        "--store-failure-rate", "--store-outage", "--lease-lapse-rate",
        "--attribute",
        "--at", "--priority", "--group", "--deduplication-id",
    ]
    /// Options that stand alone.
    static let flagOptions: Set<String> = ["--json", "--yes", "--help", "-h", "--no-autoscale"]

    var positionals: [String] = []
    var values: [String: String] = [:]
    /// Every value of each option, in order, for options that may be repeated.
    var repeatedValues: [String: [String]] = [:]
    var flags: Set<String> = []

    /// Parses `words` (without the program name).
    ///
    /// - Throws: ``CommandError`` for an unknown option or a missing value.
    init(_ words: [String]) throws {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" {
                positionals += words[index...]
                break
            }
            guard word.hasPrefix("-"), word.count > 1, Double(word) == nil else {
                positionals.append(word)
                continue
            }
            var name = word
            var inlineValue: String?
            if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                name = String(word[..<equals])
                inlineValue = String(word[word.index(after: equals)...])
            }
            if Self.flagOptions.contains(name) {
                flags.insert(name == "-h" ? "--help" : name)
            } else if Self.valueOptions.contains(name) {
                if let inlineValue {
                    values[name] = inlineValue
                    repeatedValues[name, default: []].append(inlineValue)
                } else if index < words.count {
                    values[name] = words[index]
                    repeatedValues[name, default: []].append(words[index])
                    index += 1
                } else {
                    throw CommandError.usage("option \(name) needs a value, e.g. \(name) \(Self.example(for: name))")
                }
            } else {
                var text = "unknown option '\(name)'"
                if let guess = Suggestion.closest(to: name, in: Self.valueOptions.union(Self.flagOptions)) {
                    text += "; did you mean '\(guess)'?"
                }
                throw CommandError.usage(text + " Run with --help to see the options.")
            }
        }
    }

    /// Whether `flag` was given.
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// The value of `option`, if given (the last one when given more than once).
    func value(_ option: String) -> String? { values[option] }

    /// Every value of `option`, in the order given (`--allowed-host a --allowed-host b`).
    func allValues(_ option: String) -> [String] { repeatedValues[option] ?? [] }

    private static func example(for option: String) -> String {
        switch option {
        case "--manifest": "./functions.json"
        case "--store": "sqlite:.queuefunctions/queues.sqlite"
        case "--port": "7071"
        case "--bind": "127.0.0.1"
        case "--allowed-host": "queues.test"
        case "--cors-origin": "http://localhost:5173"
        case "--delay", "--grace-period": "30s"
        case "--limit": "100"
        case "--attribute": "type=order-placed"
        case "--at": "2026-12-01T09:00:00Z"
        case "--priority": "5"
        case "--group", "--deduplication-id": "customer-42"
        case "--log-level": "info"
        case "--log-format": "logfmt"
        default: "VALUE"
        }
    }
}

/// A command-line failure with its exit code.
enum CommandError: Error, CustomStringConvertible {
    /// The words on the command line were wrong (exit 2).
    case usage(String)
    /// `functions.json` is invalid (exit 3).
    case manifest(String)
    /// The store could not be opened (exit 4).
    case store(String)
    /// Something failed while running (exit 1).
    case failed(String)

    var description: String {
        switch self {
        case .usage(let text), .manifest(let text), .store(let text), .failed(let text): text
        }
    }

    var exitCode: Int32 {
        switch self {
        case .failed: CommandExitCode.failure
        case .usage: CommandExitCode.usage
        case .manifest: CommandExitCode.invalidManifest
        case .store: CommandExitCode.storeUnusable
        }
    }
}

/// What the host executable's exit codes mean.
public enum CommandExitCode {
    /// Success.
    public static let success: Int32 = 0
    /// The command ran and failed (a store error, a queue that does not exist…).
    public static let failure: Int32 = 1
    /// The command line was wrong.
    public static let usage: Int32 = 2
    /// `functions.json` is invalid.
    public static let invalidManifest: Int32 = 3
    /// The store could not be opened (unreadable, locked, not a database, newer schema).
    public static let storeUnusable: Int32 = 4
}
