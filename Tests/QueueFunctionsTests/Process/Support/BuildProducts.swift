import Foundation

/// Where the package and its built executables are.
enum BuildProducts {
    /// The root of this package (the folder holding Package.swift and functions.json).
    static let packageRoot: URL = RepositoryPaths.root

    /// The folder holding the test executable, and so every other product of the same build
    /// (`<scratch>/<triple>/debug`).
    static var binaryDirectory: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if FileManager.default.fileExists(atPath: executable.path) {
            return executable.deletingLastPathComponent()
        }
        // Darwin: the test bundle sits beside the executables.
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    private static let builder = SampleHostBuilder()

    /// The `SampleHost` executable built beside the tests; built once when missing.
    static func sampleHost() async throws -> URL {
        try await builder.executable(in: binaryDirectory)
    }

    /// The `swift` driver, found on PATH by `/usr/bin/env`.
    static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// The environment a child process gets: this process's, minus settings that
    /// would point it at another store.
    static func childEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "QUEUEFUNCTIONS_STORE")
        environment.removeValue(forKey: "QUEUEFUNCTIONS_LOG_LEVEL")
        environment.removeValue(forKey: "SAMPLE_FAIL")
        environment.merge(extra) { _, new in new }
        return environment
    }
}

/// Builds `SampleHost` at most once per test run, when the build that made the tests did not.
private actor SampleHostBuilder {
    private var built: URL?

    func executable(in directory: URL) async throws -> URL {
        if let built { return built }
        let candidate = directory.appendingPathComponent("SampleHost")
        if !FileManager.default.isExecutableFile(atPath: candidate.path) {
            // <scratch>/<triple>/<configuration>
            let configuration = directory.lastPathComponent
            let scratch = directory.deletingLastPathComponent().deletingLastPathComponent()
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("queuefunctions-build-\(UUID().uuidString)")
            let build = try ChildProcess(
                name: "swift build --product SampleHost", executable: BuildProducts.env,
                arguments: ["swift", "build", "--product", "SampleHost", "--scratch-path", scratch.path, "-c", configuration],
                directory: BuildProducts.packageRoot, environment: BuildProducts.childEnvironment(), outputPrefix: logs.path
            )
            defer {
                build.killIfRunning()
                try? FileManager.default.removeItem(atPath: logs.path + ".stdout")
                try? FileManager.default.removeItem(atPath: logs.path + ".stderr")
            }
            let run = try await build.finish(within: .seconds(900))
            guard run.exitCode == 0, FileManager.default.isExecutableFile(atPath: candidate.path) else {
                throw ProcessTestFailure("SampleHost is not built beside the tests and building it failed: \(run)")
            }
        }
        built = candidate
        return candidate
    }
}
