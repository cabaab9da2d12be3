import Foundation
import Testing
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsHost
import SampleFunctions

/// `serve --allowed-host` and `--cors-origin`: repeatable, also read from the environment,
/// and a malformed value stops `serve` with exit code 2 before anything opens.
@Suite("serve --allowed-host and --cors-origin")
struct ServeAccessFlagsTests {
    private func configuration(_ words: [String], environment: [String: String] = [:]) throws -> Gateway.Configuration {
        let arguments = try CommandArguments(["serve"] + words)
        let context = CommandContext(arguments: arguments, words: [], registry: SampleApp.registry(services: SampleServices()),
                                     environment: environment, output: CapturedOutput().output)
        return try ServeCommand.gatewayConfiguration(context).configuration
    }

    @Test("repeated flags and the comma-separated environment variables all count")
    func repeatedFlagsAndEnvironment() throws {
        let parsed = try configuration(
            ["--allowed-host", "queues.test", "--allowed-host=.lan", "--cors-origin", "http://localhost:5173",
             "--cors-origin", "https://app.test"],
            environment: ["QUEUEFUNCTIONS_ALLOWED_HOSTS": "box.local, other.test", "QUEUEFUNCTIONS_CORS_ORIGINS": "http://127.0.0.1:3000"]
        )
        #expect(parsed.allowedHosts == ["box.local", "other.test", "queues.test", ".lan"])
        #expect(parsed.corsOrigins == ["http://127.0.0.1:3000", "http://localhost:5173", "https://app.test"])
        #expect(try configuration([]).allowedHosts.isEmpty)
        #expect(try configuration([]).corsOrigins.isEmpty)
    }

    @Test("a malformed value exits 2 and says how to write it", arguments: [
        (["--cors-origin", "*"], "--cors-origin '*' is not an origin"),
        (["--cors-origin", "localhost:5173"], "http://localhost:5173"),
        (["--allowed-host", "http://queues.test"], "--allowed-host 'http://queues.test' is not a host name"),
        (["--allowed-host"], "option --allowed-host needs a value"),
    ])
    func malformedValueIsAUsageError(_ words: [String], _ hint: String) async throws {
        let captured = CapturedOutput()
        let code = await QueueFunctionsCommand.run(
            arguments: ["serve", "--manifest", RepositoryPaths.manifest.path, "--store", "memory:", "--port", "0"] + words,
            registry: SampleApp.registry(services: SampleServices()), environment: [:], output: captured.output
        )
        #expect(code == CommandExitCode.usage)
        #expect(captured.stderr.contains(hint), "\(captured.stderr)")
    }

    @Test("serve --help lists both flags")
    func helpListsTheFlags() {
        let help = CommandHelp.text(for: "serve")
        #expect(help.contains("--allowed-host NAME"))
        #expect(help.contains("--cors-origin ORIGIN"))
    }
}
