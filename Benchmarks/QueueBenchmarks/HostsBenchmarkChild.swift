import Foundation
import QueueFunctionsHost
import Synchronization

/// One host process of the `hosts` suite: a ``FunctionHost`` on a shared PostgreSQL database.
///
/// `QueueBenchmarks hosts-child URL noop|io|latency WORKERS`. The child opens the store,
/// prints `ready`, starts its host when a `go` line arrives on standard input, and stops
/// it on `stop` (or the end of input). It then prints one line,
/// `result HANDLED LATENCY_US…`: how many messages its handler saw and, in latency mode,
/// each message's send → handler-start time in microseconds (the monotonic clock is the
/// same in every process of the machine).
enum HostsBenchmarkChild {
    static let command = "hosts-child"

    /// What the child's handler does with a batch.
    enum Mode: String, Sendable {
        /// Nothing: counts the batch.
        case noop
        /// Sleeps 20 ms per batch, as a handler waiting on a downstream call.
        case io
        /// Records each message's send → start latency from the stamp in its body.
        case latency
    }

    static func main(_ arguments: [String]) async throws {
        guard arguments.count == 3, let mode = Mode(rawValue: arguments[1]), let workers = Int(arguments[2]), workers > 0 else {
            throw BenchmarkError("usage: QueueBenchmarks \(command) URL noop|io|latency WORKERS")
        }
        let store = try await PostgresQueueStore(url: arguments[0])
        let tally = HostsTally()
        var registry = FunctionRegistry()
        registry.register("bench", HostsBenchHandler(mode: mode, tally: tally))
        let host = try FunctionHost(
            manifest: benchManifest(workers: workers, handler: "bench"), registry: registry, store: store, logger: .disabled
        )
        let input = LineReader(fd: 0)
        print("ready")
        fflush(nil)
        guard try await input.nextLine() == "go" else {
            await store.close()
            return
        }
        let running = Task { await host.run() }
        _ = try await input.nextLine()
        host.stop()
        await running.value
        await store.close()
        let (handled, latencies) = tally.snapshot
        print((["result", "\(handled)"] + latencies.map { "\($0)" }).joined(separator: " "))
        fflush(nil)
    }
}

/// The handler of every host process in the `hosts` suite.
struct HostsBenchHandler: QueueFunction {
    typealias Message = RawBody
    let mode: HostsBenchmarkChild.Mode
    let tally: HostsTally

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        let start = monotonicNanos()
        var latencies: [UInt64] = []
        if mode == .latency {
            latencies = batch.compactMap { item in LatencyStamp.read(item.message.bytes).map { (start &- $0) / 1_000 } }
        }
        tally.add(batch.count, latencies: latencies)
        if mode == .io { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// Messages handled and latencies (µs) seen by one host process.
final class HostsTally: Sendable {
    private let state = Mutex<(handled: Int, latencies: [UInt64])>((0, []))

    func add(_ handled: Int, latencies: [UInt64]) {
        state.withLock { $0.handled += handled; $0.latencies += latencies }
    }

    var snapshot: (handled: Int, latencies: [UInt64]) { state.withLock { $0 } }
}

/// Reads lines from a file descriptor on a thread of its own (never on the cooperative pool).
final class LineReader: Sendable {
    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])

    init(fd: Int32) {
        self.fd = fd
    }

    /// The next line without its newline, or nil at the end of input.
    func nextLine() async throws -> String? {
        try await offPool { self.readLine() }
    }

    private func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let line: String? = buffer.withLock { bytes in
                guard let end = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                let text = String(decoding: bytes[..<end], as: UTF8.self)
                bytes.removeFirst(end + 1)
                return text
            }
            if let line { return line }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                // The end: a last line without a newline still counts.
                return buffer.withLock { bytes in
                    guard !bytes.isEmpty else { return nil }
                    defer { bytes.removeAll() }
                    return String(decoding: bytes, as: UTF8.self)
                }
            }
            buffer.withLock { $0 += chunk[..<count] }
        }
    }
}

/// Runs blocking `work` on a new thread and returns its result.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
