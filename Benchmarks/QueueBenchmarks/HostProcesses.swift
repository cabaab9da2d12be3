import Foundation

/// The child host processes of one `hosts` run, driven over their standard input and output.
final class HostProcesses: Sendable {
    /// What one child reported when it stopped.
    struct Result: Sendable {
        var handled: Int
        /// Send → start latencies in microseconds (latency mode only).
        var latencies: [UInt64]
    }

    private struct Child: Sendable {
        let process: Process
        let input: FileHandle
        let output: LineReader
    }

    private let children: [Child]

    private init(children: [Child]) {
        self.children = children
    }

    /// Starts `count` children of this executable on `url` and waits until each has opened
    /// its store and said `ready`.
    static func launch(count: Int, url: String, mode: HostsBenchmarkChild.Mode, workers: Int) async throws -> HostProcesses {
        var children: [Child] = []
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = [HostsBenchmarkChild.command, url, mode.rawValue, "\(workers)"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            children.append(Child(
                process: process, input: input.fileHandleForWriting, output: LineReader(fd: output.fileHandleForReading.fileDescriptor)
            ))
        }
        let processes = HostProcesses(children: children)
        for (index, child) in children.enumerated() {
            let line = try await child.output.nextLine()
            guard line == "ready" else {
                processes.kill()
                throw BenchmarkError("host process \(index + 1) did not start (said \(line ?? "nothing")); see its error output above")
            }
        }
        return processes
    }

    /// Tells every child to start its host.
    func go() {
        for child in children { child.input.write(Data("go\n".utf8)) }
    }

    /// Stops every host and collects what each handled.
    func stop() async throws -> [Result] {
        for child in children { child.input.write(Data("stop\n".utf8)) }
        var results: [Result] = []
        for (index, child) in children.enumerated() {
            guard let line = try await child.output.nextLine(), line.hasPrefix("result ") else {
                throw BenchmarkError("host process \(index + 1) ended without its result")
            }
            let numbers = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
            results.append(Result(handled: Int(numbers.first ?? 0), latencies: Array(numbers.dropFirst())))
            try? child.input.close()
            let process = child.process
            try await offPool { process.waitUntilExit() }
        }
        return results
    }

    /// Ends every child at once (after a failure).
    func kill() {
        for child in children where child.process.isRunning { child.process.terminate() }
    }
}
