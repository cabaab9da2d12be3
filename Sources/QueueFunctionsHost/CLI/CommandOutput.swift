import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation
import Synchronization

/// Where a command writes: standard output for results, standard error for messages.
public struct CommandOutput: Sendable {
    /// Writes result text.
    public var out: @Sendable (String) -> Void
    /// Writes messages and errors.
    public var err: @Sendable (String) -> Void

    /// Creates an output from two writers.
    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }

    /// The process's standard output and standard error.
    public static let standard = CommandOutput(
        out: { FileHandle.standardOutput.write(Data($0.utf8)) },
        err: { FileHandle.standardError.write(Data($0.utf8)) }
    )

    /// Writes a line of result text.
    func line(_ text: String = "") { out(text + "\n") }

    /// Writes a line to standard error.
    func message(_ text: String) { err(text + "\n") }
}

/// Keeps what a command wrote, for tests.
public final class CapturedOutput: Sendable {
    private let buffers = Mutex<(out: String, err: String)>(("", ""))

    /// Creates empty buffers.
    public init() {}

    /// An output writing into these buffers.
    public var output: CommandOutput {
        CommandOutput(
            out: { text in self.buffers.withLock { $0.out += text } },
            err: { text in self.buffers.withLock { $0.err += text } }
        )
    }

    /// Everything written to standard output.
    public var stdout: String { buffers.withLock { $0.out } }
    /// Everything written to standard error.
    public var stderr: String { buffers.withLock { $0.err } }
}
