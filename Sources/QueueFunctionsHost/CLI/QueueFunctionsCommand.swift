import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// The host executable's command line: `serve`, `send`, `publish`, `status`, `dlq`, `validate`, `simulate`.
///
/// Your `@main` hands it the registered handlers and exits with the status it returns:
///
/// ```swift
/// import Foundation
/// import QueueFunctionsHost
///
/// @main struct MyHost {
///     static func main() async {
///         var registry = FunctionRegistry()
///         registry.register("ImportProcessor") { ImportProcessor() }
///         let status = await QueueFunctionsCommand.main(registry: registry)
///         Foundation.exit(status)
///     }
/// }
/// ```
public enum QueueFunctionsCommand {
    /// Runs the command line of this process and returns its exit status (see
    /// ``CommandExitCode``); only the executable's top level ends the process with it.
    public static func main(registry: FunctionRegistry) async -> Int32 {
        let status = await run(
            arguments: Array(CommandLine.arguments.dropFirst()), registry: registry,
            environment: ProcessInfo.processInfo.environment, output: .standard
        )
        // Log lines are written by a background thread: write the last ones before the process exits.
        await StandardErrorLogSink.flushAll()
        return status
    }

    /// Runs one command and returns its exit code (see ``CommandExitCode``).
    ///
    /// - Parameters:
    ///   - arguments: The words after the program name.
    ///   - registry: The handlers this host can run.
    ///   - environment: Environment variables (`QUEUEFUNCTIONS_STORE`, …).
    ///   - output: Where to write.
    public static func run(
        arguments: [String], registry: FunctionRegistry, environment: [String: String] = [:], output: CommandOutput
    ) async -> Int32 {
        do {
            let parsed = try CommandArguments(arguments)
            var words = parsed.positionals
            let command = words.isEmpty ? "serve" : words.removeFirst()
            let context = CommandContext(arguments: parsed, words: words, registry: registry, environment: environment, output: output)
            if parsed.has("--help") || command == "help" {
                let topic = command == "help" ? words.first : (parsed.positionals.isEmpty ? nil : command)
                output.line(CommandHelp.text(for: topic))
                return CommandExitCode.success
            }
            switch command {
            case "serve": try await ServeCommand.run(context)
            case "send": try await SendCommand.run(context)
            case "publish": try await PublishCommand.run(context)
            case "cancel": try await CancelCommand.run(context)
            case "status": try await StatusCommand.run(context)
            case "dlq": try await DeadLetterCommand.run(context)
            case "validate": try ValidateCommand.run(context)
            case "simulate": try await SimulateCommand.run(context)
            default:
                var text = "unknown command '\(command)'"
                if let guess = Suggestion.closest(to: command, in: CommandHelp.commands) { text += "; did you mean '\(guess)'?" }
                throw CommandError.usage(text + " Commands: \(CommandHelp.commands.joined(separator: ", ")). Run with --help for more.")
            }
            return CommandExitCode.success
        } catch let error as CommandError {
            output.message("error: \(error)")
            return error.exitCode
        } catch {
            output.message("error: \(error)")
            return CommandExitCode.failure
        }
    }
}

/// What every subcommand gets: the parsed words, the handlers, and shared helpers.
struct CommandContext: Sendable {
    var arguments: CommandArguments
    /// Positional words after the subcommand.
    var words: [String]
    var registry: FunctionRegistry
    var environment: [String: String]
    var output: CommandOutput

    var wantsJSON: Bool { arguments.has("--json") }

    var manifestURL: URL {
        URL(fileURLWithPath: arguments.value("--manifest") ?? "functions.json")
    }

    /// Loads and validates `functions.json`. Only `serve` and `validate` print its
    /// warnings; the other commands would repeat them on every call.
    func loadManifest(printWarnings: Bool = false) throws -> Manifest {
        do {
            let loaded = try ManifestLoader.load(contentsOf: manifestURL, registeredHandlers: Set(registry.names))
            for warning in loaded.warnings where printWarnings {
                output.message(warning.formatted(file: manifestURL.lastPathComponent))
            }
            return loaded.manifest
        } catch {
            throw CommandError.manifest("\(error)")
        }
    }

    /// Where the store is: `--store`, then `QUEUEFUNCTIONS_STORE`, then the default file.
    func storeLocation() throws -> StoreLocation {
        do {
            if let text = arguments.value("--store") { return try StoreLocation.parse(text) }
            return try StoreLocation.fromEnvironment(environment)
        } catch {
            throw CommandError.usage("\(error)")
        }
    }

    /// Opens the store on `clock`.
    func openStore(clock: any HostClock = SystemClock()) async throws -> any QueueStore {
        let location = try storeLocation()
        let options: SQLiteQueueStore.Options
        do {
            options = try StoreLocation.sqliteOptions(fromEnvironment: environment)
        } catch {
            throw CommandError.usage("\(error)")
        }
        do {
            return try await location.open(clock: clock, sqliteOptions: options)
        } catch {
            throw CommandError.store("\(error)")
        }
    }

    /// The positional word at `index`, or a usage error naming it.
    func word(_ index: Int, _ name: String, usage: String) throws -> String {
        guard index < words.count else { throw CommandError.usage("missing \(name). Usage: \(usage)") }
        return words[index]
    }

    /// The queue named `name` in the manifest, or a failure listing the known queues.
    func knownQueue(_ name: String, in manifest: Manifest) throws -> QueueConfig {
        if let queue = manifest.queue(named: name) { return queue }
        let names = manifest.queues.map(\.name)
        var text = "unknown queue '\(name)'"
        if let guess = Suggestion.closest(to: name, in: names) { text += "; did you mean '\(guess)'?" }
        throw CommandError.failed(text + " Known queues: \(names.joined(separator: ", ")).")
    }

    /// Writes `value` as stable, pretty JSON.
    func printJSON<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        output.line(String(decoding: data, as: UTF8.self))
    }

    /// A logger from `--log-level` and `--log-format`.
    func makeLogger() throws -> QueueLogger {
        let levelName = arguments.value("--log-level") ?? environment["QUEUEFUNCTIONS_LOG_LEVEL"] ?? "info"
        guard let level = LogLevel(name: levelName) else {
            throw CommandError.usage("unknown log level '\(levelName)'; use one of \(LogLevel.allCases.map(\.description).joined(separator: ", "))")
        }
        let formatName = arguments.value("--log-format") ?? "logfmt"
        let format: StandardErrorLogSink.Format
        switch formatName {
        case "logfmt": format = .logfmt
        case "json": format = .json
        default: throw CommandError.usage("unknown log format '\(formatName)'; use logfmt or json")
        }
        return QueueLogger(level: level, sink: StandardErrorLogSink(format: format))
    }

    /// Parses a duration option within `range`.
    ///
    /// - Throws: ``CommandError/usage(_:)`` naming the option, the value and the range.
    func duration(_ option: String, in range: InputRange<Duration>) throws -> Duration? {
        guard let text = arguments.value(option) else { return nil }
        do {
            return try InputNumber.duration(text, name: option, in: range)
        } catch {
            throw CommandError.usage("\(error)")
        }
    }

    /// Parses a whole-number option within `range`.
    ///
    /// - Throws: ``CommandError/usage(_:)`` naming the option, the value and the range.
    func integer(_ option: String, in range: InputRange<Int>) throws -> Int? {
        guard let text = arguments.value(option) else { return nil }
        do {
            return try InputNumber.whole(text, name: option, in: range)
        } catch {
            throw CommandError.usage("\(error)")
        }
    }
}
