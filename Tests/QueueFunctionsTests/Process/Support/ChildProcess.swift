import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
enum ProcessEnd: Equatable, CustomStringConvertible {
    /// It exited with this code.
    case exited(Int32)
    /// A signal ended it.
    case signalled(Int32)

    var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signalled(let signal): "signal \(signal)"
        }
    }
}

/// What a finished command printed and how it ended.
struct CommandRun: CustomStringConvertible {
    var arguments: [String]
    var end: ProcessEnd
    var stdout: String
    var stderr: String

    /// The exit code, or nil when a signal ended the process.
    var exitCode: Int32? {
        if case .exited(let code) = end { return code }
        return nil
    }

    var description: String {
        "`\(arguments.joined(separator: " "))` ended with \(end)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// A process the test started. Its standard output and error go to files, so a chatty
/// child never blocks on a full pipe. Every child is bounded: ``waitForEnd(within:)``
/// kills it when the safety limit passes, and ``killIfRunning()`` (call it from a
/// `defer`) makes sure nothing outlives a failed test.
final class ChildProcess: Sendable {
    /// A short name for messages (`host`, `send`).
    let name: String
    /// The command line, program included.
    let arguments: [String]
    /// The process id.
    let pid: Int32
    private let stdoutPath: String
    private let stderrPath: String
    private let end = EndRecord()
    /// Kept for the life of the child, so Foundation's bookkeeping of it stays alive too.
    private let process: Process

    /// Starts `executable` with `arguments` in `directory`.
    ///
    /// - Parameters:
    ///   - outputPrefix: Where to put the output files: `<prefix>.stdout` and `<prefix>.stderr`.
    init(
        name: String, executable: URL, arguments: [String], directory: URL, environment: [String: String],
        outputPrefix: String
    ) throws {
        self.name = name
        self.arguments = [executable.path] + arguments
        stdoutPath = outputPrefix + ".stdout"
        stderrPath = outputPrefix + ".stderr"
        for path in [stdoutPath, stderrPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ProcessTestFailure("cannot create the output file \(path)")
            }
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process.standardOutput = stdout
        process.standardError = stderr
        let end = self.end
        process.terminationHandler = { finished in
            let status = finished.terminationStatus
            let ending: ProcessEnd = finished.terminationReason == .uncaughtSignal ? .signalled(status) : .exited(status)
            end.value.withLock { $0 = ending }
        }
        try process.run()
        self.process = process
        pid = process.processIdentifier
    }

    deinit {
        killIfRunning()
    }

    /// How the process ended, or nil while it runs.
    var ending: ProcessEnd? { end.value.withLock { $0 } }

    /// Sends `signal` (SIGTERM, SIGKILL…) to the process if it still runs.
    func send(_ signal: Int32) {
        guard ending == nil else { return }
        kill(pid, signal)
    }

    /// Kills the process with SIGKILL unless it has ended. Safe to call from `defer`.
    func killIfRunning() {
        send(SIGKILL)
    }

    /// Waits until the process ends, for at most `limit` (a safety limit).
    ///
    /// - Throws: ``ProcessTestFailure`` after killing the process when it outlives `limit`.
    @discardableResult
    func waitForEnd(within limit: Duration) async throws -> ProcessEnd {
        do {
            return try await poll("\(name) (pid \(pid)) to end", within: limit, every: .milliseconds(20)) { ending }
        } catch let failure as ProcessTestFailure {
            killIfRunning()
            let output: (stdout: String, stderr: String) = (try? await output()) ?? ("", "")
            throw ProcessTestFailure("\(failure); killed it.\n--- stdout ---\n\(output.stdout)\n--- stderr ---\n\(output.stderr)")
        }
    }

    /// Everything the process has written so far.
    func output() async throws -> (stdout: String, stderr: String) {
        let paths = (stdoutPath, stderrPath)
        return try await offPool {
            let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
            return (read(paths.0), read(paths.1))
        }
    }

    /// Waits for the end (at most `limit`) and returns what the command printed.
    func finish(within limit: Duration) async throws -> CommandRun {
        let end = try await waitForEnd(within: limit)
        let output = try await output()
        return CommandRun(arguments: arguments, end: end, stdout: output.stdout, stderr: output.stderr)
    }
}

/// Where the termination handler records the end, shared with the process object.
private final class EndRecord: Sendable {
    let value = Mutex<ProcessEnd?>(nil)
}
