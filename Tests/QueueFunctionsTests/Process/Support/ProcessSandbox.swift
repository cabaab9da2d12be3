import Foundation
import Synchronization
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// One test's own temporary folder: its manifest, SQLite store, audit log and the output
/// of every process it starts. ``remove()`` kills the processes still running and deletes
/// the folder, so nothing outlives the test.
final class ProcessSandbox: Sendable {
    /// The folder.
    let directory: URL
    /// The host executable the commands run.
    let executable: URL
    private let children = Mutex<[ChildProcess]>([])

    /// The SQLite file of the test's queues.
    var storePath: String { path("queues.sqlite") }
    /// `--store` for ``storePath``.
    var store: String { "sqlite:\(storePath)" }
    /// The manifest the commands use (see ``writeManifest(_:)``).
    var manifestPath: String { path("functions.json") }
    /// The audit log `write-audit-log` appends to (`SAMPLE_AUDIT_LOG`).
    var auditLog: AuditLog { AuditLog(path: path("audit.log")) }

    /// Creates a fresh folder for a test running `executable`.
    convenience init(executable: URL) throws {
        try self.init { _ in executable }
    }

    /// Creates a fresh folder for a test running an executable that will be built inside it.
    convenience init(executableInside relativePath: String) throws {
        try self.init { $0.appendingPathComponent(relativePath) }
    }

    private init(executable: (URL) -> URL) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("queuefunctions-proc-\(UUID().uuidString)", isDirectory: true)
        self.executable = executable(directory)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes the manifest the commands use.
    func writeManifest(_ manifest: String) throws {
        try write(manifest, to: "functions.json")
    }

    /// Starts the host executable with `arguments` in the folder.
    func start(_ arguments: [String], name: String? = nil, environment: [String: String] = [:]) throws -> ChildProcess {
        try launch(executable, arguments, name: name ?? arguments.first ?? "host",
                   environment: ["SAMPLE_AUDIT_LOG": auditLog.path].merging(environment) { _, new in new })
    }

    /// Starts a tool found on PATH (`swift build …`) in the folder.
    func startTool(_ arguments: [String], name: String) throws -> ChildProcess {
        try launch(BuildProducts.env, arguments, name: name, environment: [:])
    }

    private func launch(_ program: URL, _ arguments: [String], name: String, environment: [String: String]) throws -> ChildProcess {
        try children.withLock { children in
            let child = try ChildProcess(
                name: name, executable: program, arguments: arguments, directory: directory,
                environment: BuildProducts.childEnvironment(environment),
                outputPrefix: path("logs/\(children.count)-\(name.replacingOccurrences(of: " ", with: "-"))")
            )
            children.append(child)
            return child
        }
    }

    /// Runs a command to its end (at most `limit`, a safety limit) and returns what it printed.
    func run(_ arguments: [String], within limit: Duration = .seconds(60)) async throws -> CommandRun {
        let child = try start(arguments)
        defer { child.killIfRunning() }
        return try await child.finish(within: limit)
    }

    /// Runs a command against the test's store and manifest.
    func cli(_ arguments: String..., within limit: Duration = .seconds(60)) async throws -> CommandRun {
        try await run(arguments + ["--store", store, "--manifest", manifestPath], within: limit)
    }

    /// Starts `serve` on the test's store and manifest, on any free port.
    func startHost(_ extra: [String] = []) throws -> ChildProcess {
        try start(["serve", "--store", store, "--manifest", manifestPath, "--port", "0"] + extra, name: "serve")
    }

    /// Opens the test's store in this process, beside the host processes sharing the file.
    func openStore() async throws -> SQLiteQueueStore {
        try await SQLiteQueueStore(path: storePath)
    }

    /// Kills every process still running and deletes the folder.
    func remove() {
        for child in children.withLock({ $0 }) { child.killIfRunning() }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a fresh sandbox for SampleHost; the sandbox is removed afterwards,
/// its processes killed, even when `body` throws.
func withSampleHostSandbox<T>(_ body: (ProcessSandbox) async throws -> T) async throws -> T {
    let sandbox = try ProcessSandbox(executable: try await BuildProducts.sampleHost())
    defer { sandbox.remove() }
    return try await body(sandbox)
}
