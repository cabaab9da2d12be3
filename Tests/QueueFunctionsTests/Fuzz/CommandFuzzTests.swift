import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import SampleFunctions

/// Seeded fuzzing of the command line, in process: commands that start no server
/// (`validate`, `send` and `dlq` on a memory store, `help`, unknown ones) with options
/// and values drawn from the flags, the sample's queues and nasty numbers; and
/// `simulate`'s workload flags, parsed without running a simulation.
@Suite("Fuzz: command line")
struct CommandFuzzTests {
    static let commands = ["validate", "send", "dlq", "help", "sned", "status-x", "validate", "publish"]
    static let options = ["--delay", "--limit", "--port", "--grace-period", "--to", "--log-level", "--log-format", "--bind",
                          "--json", "--yes", "--no-autoscale", "--unknown", "-x", "--delay=", "--limit=", "--port=", "--attribute", "--attribute="]
    static let words = ["orders", "import-jobs", "orders-dlq", "nope", "list", "redrive", "purge", "{\"order_id\": \"o\"}",
                        "{}", "[", "\"text\"", "@/nonexistent/body.json", "info", "json", "127.0.0.1"]

    /// A random word: an option, a name, a body, or a nasty number (never `-`, which reads standard input).
    static func word(_ random: inout SplitMix64) -> String {
        switch random.below(4) {
        case 0:
            let option = random.pick(options)
            return option.hasSuffix("=") ? option + random.pick(Fuzz.nastyNumbers) : option
        case 1: return random.pick(words)
        default: return random.pick(Fuzz.nastyNumbers)
        }
    }

    @Test("every command line exits with a documented code, and a failure says why")
    func commands() async throws {
        let registry = SampleApp.registry(services: SampleServices())
        let manifest = RepositoryPaths.manifest.path
        var random = SplitMix64(seed: Fuzz.seed &+ 20)
        var codes: [Int32: Int] = [:]
        let count = 1_500
        for _ in 0..<count {
            await Task.yield()
            var arguments = [random.pick(Self.commands)]
            if arguments[0] == "dlq" { arguments.append(random.pick(["list", "redrive", "purge", "drop"])) }
            if arguments[0] != "help" { arguments.append(random.pick(["orders", "import-jobs", "nope"])) }
            for _ in 0..<random.below(5) { arguments.append(Self.word(&random)) }
            // The manifest and store come first, so a fuzzed word never points them elsewhere.
            let fixed = [arguments[0], "--manifest", manifest, "--store", "memory:"]
            let captured = CapturedOutput()
            let code = await QueueFunctionsCommand.run(
                arguments: fixed + arguments.dropFirst(), registry: registry,
                environment: ["QUEUEFUNCTIONS_STORE": "memory:"], output: captured.output
            )
            codes[code, default: 0] += 1
            #expect((0...4).contains(code), "\(arguments) exited \(code)")
            if code != 0 {
                #expect(captured.stderr.hasPrefix("error: ") && captured.stderr.count > 12, "\(arguments): \(captured.stderr)")
            }
        }
        print("fuzz command line: \(count) inputs, exit codes \(codes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))")
        #expect(codes[CommandExitCode.usage, default: 0] > count / 4)
        #expect(codes[CommandExitCode.success, default: 0] > 0)
    }

    private static func nasty(_ generator: inout SplitMix64) -> String { generator.pick(Fuzz.nastyNumbers) }

    @Test("simulate's workload flags build a bounded workload or a usage error")
    func workloadFlags() async throws {
        var random = SplitMix64(seed: Fuzz.seed &+ 21)
        let nasty = Self.nasty
        let shapes: [(String, (inout SplitMix64) -> String)] = [
            ("--burst", { "\(nasty(&$0))@\(nasty(&$0))" }), ("--burst", { nasty(&$0) }),
            ("--steady", { "\(nasty(&$0))@\(nasty(&$0))-\(nasty(&$0))" }),
            ("--ramp", { "\(nasty(&$0))-\(nasty(&$0))@\(nasty(&$0))-\(nasty(&$0))" }),
            ("--outage", { "\(nasty(&$0))-\(nasty(&$0))" }), ("--handler-duration", { "\(nasty(&$0))-\(nasty(&$0))" }),
            ("--handler-duration", { nasty(&$0) }), ("--seed", { nasty(&$0) }),
        ]
        var built = 0, refused = 0
        let count = 5_000
        for index in 0..<count {
            if index % 50 == 0 { await Task.yield() }
            var words: [String] = []
            for _ in 0..<(1 + random.below(3)) {
                let (option, value) = random.pick(shapes)
                words += [option, value(&random)]
            }
            do {
                let workload = try WorkloadFlags.apply(try CommandArguments(words), to: nil)
                #expect(workload.messageCount <= WorkloadLimits.messages, "\(words)")
                built += 1
            } catch let error as CommandError {
                #expect(error.exitCode == CommandExitCode.usage && !error.description.isEmpty, "\(words): \(error)")
                refused += 1
            }
        }
        print("fuzz simulate flags: \(count) inputs, \(built) workloads built, \(refused) refused")
        #expect(refused > count / 2)
    }
}
