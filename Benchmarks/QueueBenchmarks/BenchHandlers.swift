import Foundation
import QueueFunctionsHost
import Synchronization

/// The JSON message type of the decoded-handler runs (about 150 bytes per body).
struct OrderPlaced: Codable, Sendable {
    var orderID: Int
    var customer: String
    var amount: Double
    var currency: String
    var items: [String]
    var express: Bool
}

/// Message bodies for the benchmarks.
enum BenchBody {
    /// A JSON `OrderPlaced` body for message number `index`.
    static func order(_ index: Int) -> Data {
        let order = OrderPlaced(
            orderID: index, customer: "customer-\(index % 1000)@example.com", amount: Double(index % 10_000) / 100,
            currency: "EUR", items: ["sku-\(index % 97)", "sku-\(index % 89)", "gift-wrap"], express: index % 2 == 0
        )
        return (try? JSONEncoder().encode(order)) ?? Data("{}".utf8)
    }

    /// One shared body for the throughput runs, so building bodies is not measured.
    static let sample = order(123_456)
}

/// Counts handled messages and wakes one waiter when the count reaches a target.
final class Countdown: Sendable {
    private struct State {
        var count = 0
        var target: Int
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(target: Int) {
        state = Mutex(State(target: target))
    }

    func add(_ handled: Int) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.count += handled
            guard state.count >= state.target, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once the target is reached.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let reached: Bool = state.withLock { state in
                if state.count >= state.target { return true }
                state.waiter = continuation
                return false
            }
            if reached { continuation.resume() }
        }
    }
}

/// A no-op handler that takes the raw body.
struct RawNoOp: QueueFunction {
    typealias Message = RawBody
    let countdown: Countdown

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        countdown.add(batch.count)
    }
}

/// A no-op handler whose messages are decoded from JSON.
struct DecodedNoOp: QueueFunction {
    typealias Message = OrderPlaced
    let countdown: Countdown

    func handle(_ batch: MessageBatch<OrderPlaced>, context: FunctionContext) async throws {
        countdown.add(batch.count)
    }
}

/// Records, for every message, the time from just before its send to its handler's start.
struct LatencyRecorder: QueueFunction {
    typealias Message = RawBody
    let log: LatencyLog

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        let now = monotonicNanos()
        var measured: [Double] = []
        measured.reserveCapacity(batch.count)
        for item in batch {
            guard let sent = LatencyStamp.read(item.message.bytes) else { continue }
            measured.append(Double(now &- sent) / 1e9)
        }
        log.append(measured)
    }
}

/// Latencies in seconds, appended from any worker.
final class LatencyLog: Sendable {
    private let values = Mutex<[Double]>([])

    func append(_ measured: [Double]) {
        values.withLock { $0 += measured }
    }

    var all: [Double] { values.withLock { $0 } }
}

/// A send time carried in a message body.
enum LatencyStamp {
    static func body(sentAt nanos: UInt64) -> Data {
        withUnsafeBytes(of: nanos.littleEndian) { Data($0) }
    }

    static func read(_ body: Data) -> UInt64? {
        guard body.count >= 8 else { return nil }
        var value: UInt64 = 0
        for (shift, byte) in body.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return value
    }
}

/// A one-function manifest on queue `bench`: batch 10, `workers` fixed workers.
func benchManifest(workers: Int, handler: String) -> Manifest {
    Manifest(
        queues: [QueueConfig(name: "bench")],
        functions: [FunctionConfig(
            name: "bench", handler: handler, trigger: TriggerConfig(queue: "bench", batchSize: 10),
            scale: ScaleConfig(minWorkers: workers, maxWorkers: workers)
        )]
    )
}
