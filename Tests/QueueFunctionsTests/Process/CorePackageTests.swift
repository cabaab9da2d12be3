import Foundation
import Testing

extension ProcessTests {
    /// A user's package that only writes and tests handlers: it imports the core and the
    /// testing product, compiles nothing else, and keeps its own ecosystem names.
    @Suite("a handler package that imports only the core")
    struct CorePackageTests {
        @Test("it builds without the SQLite engine or the HTTP server, uses its own Logger, HTTPRequest and ExitCode unqualified, and its TestHost test passes",
              .timeLimit(.minutes(20)))
        func coreOnlyPackage() async throws {
            let sandbox = try ProcessSandbox(executableInside: ".build/debug/none")
            defer { sandbox.remove() }
            try InvoicePackage.write(into: sandbox)
            let test = try sandbox.startTool(
                ["swift", "test", "--scratch-path", sandbox.path(".build")], name: "swift-test"
            )
            defer { test.killIfRunning() }
            let result = try await test.finish(within: .seconds(900))
            let log = result.stdout + result.stderr
            try #require(result.exitCode == 0, "\(result)")
            #expect(log.contains("passed"), "its TestHost test ran:\n\(log)")
            #expect(!log.contains("warning:"), "building the core as a dependency warns:\n\(log)")
            #expect(log.contains("Compiling QueueFunctions "), "the core was compiled:\n\(log)")
            for module in ["QueueFunctionsSQLite", "QueueFunctionsHTTP", "QueueFunctionsGateway", "QueueFunctionsHost", "CSQLite"] {
                #expect(!log.contains("Compiling \(module)") && !log.contains("Emitting module \(module)"),
                        "\(module) was compiled for a package that imports only the core:\n\(log)")
            }
        }
    }
}

/// The user's package: a module standing for the ecosystem's names (swift-log's `Logger`,
/// swift-http-types' `HTTPRequest`, swift-argument-parser's `ExitCode`…), a handler, and a
/// test that imports both and the testing product.
private enum InvoicePackage {
    static func write(into sandbox: ProcessSandbox) throws {
        let root = BuildProducts.packageRoot.standardizedFileURL.path
        let identity = BuildProducts.packageRoot.standardizedFileURL.lastPathComponent
        for folder in ["Sources/Ecosystem", "Sources/Invoices", "Tests/InvoicesTests"] {
            try FileManager.default.createDirectory(atPath: sandbox.path(folder), withIntermediateDirectories: true)
        }
        try sandbox.write("""
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "Invoices",
                platforms: [.macOS(.v15)],
                dependencies: [.package(path: "\(root)")],
                targets: [
                    .target(name: "Ecosystem"),
                    .target(name: "Invoices", dependencies: [
                        "Ecosystem", .product(name: "QueueFunctions", package: "\(identity)"),
                    ]),
                    .testTarget(name: "InvoicesTests", dependencies: [
                        "Invoices", "Ecosystem",
                        .product(name: "QueueFunctions", package: "\(identity)"),
                        .product(name: "QueueFunctionsTesting", package: "\(identity)"),
                    ]),
                ],
                swiftLanguageModes: [.v6]
            )

            """, to: "Package.swift")
        try sandbox.write("""
            /// Stand-ins for names the Swift server ecosystem exports.
            public struct Logger: Sendable { public let label: String; public init(label: String) { self.label = label } }
            public struct HTTPRequest: Sendable { public let path: String; public init(path: String) { self.path = path } }
            public struct HTTPResponse: Sendable { public let status: Int; public init(status: Int) { self.status = status } }
            public enum ExitCode: Int32, Sendable { case success = 0, failure = 1 }
            public struct Message: Sendable { public init() {} }
            public struct Job: Sendable { public init() {} }
            public struct Queue: Sendable { public init() {} }

            """, to: "Sources/Ecosystem/Ecosystem.swift")
        try sandbox.write("""
            import Ecosystem
            import QueueFunctions

            /// Generates invoices; logs with the ecosystem's Logger, unqualified.
            public struct GenerateInvoice: MessageFunction {
                public struct Message: Decodable, Sendable { public var order: Int }
                let logger = Logger(label: "invoices")
                public init() {}

                public func handle(_ message: Message, metadata: MessageMetadata, context: FunctionContext) async throws {
                    _ = (logger.label, HTTPRequest(path: "/invoices"), HTTPResponse(status: 201), ExitCode.success, Job(), Queue())
                    if message.order < 0 { throw InvoiceError.negative }
                }
            }

            enum InvoiceError: Error { case negative }

            """, to: "Sources/Invoices/GenerateInvoice.swift")
        try sandbox.write("""
            import Ecosystem
            import Invoices
            import QueueFunctions
            import QueueFunctionsTesting
            import Testing

            @Test func invoicesAreHandledAndBadOnesDeadLettered() async throws {
                let logger: Logger = Logger(label: "test")
                let code: ExitCode = .success
                #expect(logger.label == "test" && code.rawValue == 0)
                let host = try TestHost(
                    function: GenerateInvoice(),
                    queue: QueueConfig(name: "invoice-jobs", maxReceiveCount: 2),
                    retry: RetryPolicy(initialDelay: .seconds(1), jitter: 0)
                )
                try await host.send(["order": 7], to: "invoice-jobs")
                try await host.send(["order": -1], to: "invoice-jobs")
                try await host.settle()
                try await host.advance(by: .seconds(5))
                #expect(try await host.deadLetters(of: "invoice-jobs").count == 1)
                #expect(host.metrics().succeeded == 1)
                await host.shutdown()
            }

            """, to: "Tests/InvoicesTests/InvoiceTests.swift")
    }
}
