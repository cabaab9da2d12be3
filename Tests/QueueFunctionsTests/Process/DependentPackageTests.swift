import Foundation
import Testing

extension ProcessTests {
    /// A package of a user's own, outside this repository, that depends on QueueFunctions
    /// by path: it builds without warnings, and its host runs its typed handler.
    @Suite("a package that depends on QueueFunctions")
    struct DependentPackageTests {
        @Test("a user's package builds against QueueFunctions and its host runs its handler", .timeLimit(.minutes(20)))
        func userPackageBuildsAndRuns() async throws {
            let sandbox = try ProcessSandbox(executableInside: ".build/debug/GreeterHost")
            defer { sandbox.remove() }
            try GreeterPackage.write(into: sandbox)

            // Compiling QueueFunctions from scratch is slow on a small machine; the limit is a safety net.
            let build = try sandbox.startTool(["swift", "build", "--scratch-path", sandbox.path(".build")], name: "swift-build")
            defer { build.killIfRunning() }
            let built = try await build.finish(within: .seconds(900))
            try #require(built.exitCode == 0, "\(built)")
            #expect(!(built.stdout + built.stderr).contains("warning:"), "building QueueFunctions as a dependency warns:\n\(built)")

            let validate = try await sandbox.run(["validate", "--manifest", sandbox.manifestPath])
            #expect(validate.exitCode == 0, "\(validate)")
            let greeting = try await sandbox.sendWithCLI(#"{"name":"Ada","count":3}"#, to: "greetings")
            let undecodable = try await sandbox.sendWithCLI(#"{"name":"Bob"}"#, to: "greetings")

            let host = try sandbox.start(["serve", "--store", sandbox.store, "--manifest", sandbox.manifestPath, "--port", "0"],
                                         name: "serve", environment: ["GREETER_MARKERS": sandbox.path("markers")])
            defer { host.killIfRunning() }
            let marker = sandbox.path("markers/\(greeting)")
            let written = try await poll("the handler's marker file", within: .seconds(60), every: .milliseconds(100)) {
                try await offPool { FileManager.default.contents(atPath: marker) }
            }
            #expect(String(decoding: written, as: UTF8.self) == "greet: hello Ada ×3\n")
            // Its typed Message does not decode {"name":"Bob"}: dead-lettered, not handled.
            let dead = try await poll("the undecodable greeting in the dead-letter queue", within: .seconds(60), every: .milliseconds(200)) {
                try await sandbox.deadLetters(of: "greetings").first { $0.id == undecodable }
            }
            #expect(dead.reason?.contains("count") == true, "\(dead.reason ?? "no reason")")
            #expect(!FileManager.default.fileExists(atPath: sandbox.path("markers/\(undecodable)")))

            host.send(SIGTERM)
            #expect(try await host.waitForEnd(within: .seconds(25)) == .exited(0))
        }
    }
}

/// The user's package: a typed handler, a tiny `@main`, its own functions.json.
private enum GreeterPackage {
    static func write(into sandbox: ProcessSandbox) throws {
        let root = BuildProducts.packageRoot.standardizedFileURL.path
        // A path dependency is known by its folder's name.
        let identity = BuildProducts.packageRoot.standardizedFileURL.lastPathComponent
        try FileManager.default.createDirectory(atPath: sandbox.path("Sources/GreeterHost"), withIntermediateDirectories: true)
        try sandbox.write("""
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "GreeterHost",
                platforms: [.macOS(.v15)],
                dependencies: [.package(path: "\(root)")],
                targets: [
                    .executableTarget(
                        name: "GreeterHost",
                        dependencies: [.product(name: "QueueFunctionsHost", package: "\(identity)")]
                    ),
                ],
                swiftLanguageModes: [.v6]
            )

            """, to: "Package.swift")
        try sandbox.write("""
            import Foundation
            import QueueFunctions

            /// Greets people: writes one marker file per message, named after the message id.
            struct Greeter: QueueFunction {
                struct Message: Decodable, Sendable {
                    var name: String
                    var count: Int
                }

                let markers: URL

                func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws {
                    try FileManager.default.createDirectory(at: markers, withIntermediateDirectories: true)
                    for item in batch {
                        let text = "\\(context.functionName): hello \\(item.message.name) ×\\(item.message.count)\\n"
                        try Data(text.utf8).write(to: markers.appendingPathComponent(item.id.rawValue))
                    }
                }
            }

            """, to: "Sources/GreeterHost/Greeter.swift")
        try sandbox.write("""
            import Foundation
            import QueueFunctionsHost

            @main
            struct GreeterHost {
                static func main() async {
                    let markers = ProcessInfo.processInfo.environment["GREETER_MARKERS"] ?? "markers"
                    var registry = FunctionRegistry()
                    registry.register("Greeter") { Greeter(markers: URL(fileURLWithPath: markers)) }
                    exit(await QueueFunctionsCommand.main(registry: registry))
                }
            }

            """, to: "Sources/GreeterHost/GreeterHost.swift")
        try sandbox.writeManifest("""
            {
              "host": { "idle_poll_interval": "100ms" },
              "queues": [{ "name": "greetings", "visibility_timeout": "1m" }],
              "functions": [
                { "name": "greet", "handler": "Greeter", "trigger": { "queue": "greetings", "batch_size": 5 }, "timeout": "10s" }
              ]
            }

            """)
    }
}
