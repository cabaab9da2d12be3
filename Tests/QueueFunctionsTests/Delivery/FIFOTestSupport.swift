import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// One FIFO job: its group and its place in the group's send order.
struct FIFOJob: Codable, Sendable {
    var group: String
    var seq: Int
}

/// Records every attempt per group, and every moment two messages of one group ran at once.
final class FIFORecorder: Sendable {
    private struct State {
        var running: [String: Int] = [:]
        var overlaps = 0
        var attempts: [String: [Int]] = [:]
        var succeeded = 0
        var wrongGroup = 0
    }

    private let state = Mutex(State())

    func begin(_ job: FIFOJob, metadataGroup: String?) {
        state.withLock { state in
            if state.running[job.group, default: 0] > 0 { state.overlaps += 1 }
            state.running[job.group, default: 0] += 1
            state.attempts[job.group, default: []].append(job.seq)
            if metadataGroup != job.group { state.wrongGroup += 1 }
        }
    }

    func end(_ job: FIFOJob, succeeded: Bool) {
        state.withLock { state in
            state.running[job.group, default: 1] -= 1
            if succeeded { state.succeeded += 1 }
        }
    }

    var succeeded: Int { state.withLock { $0.succeeded } }
    var overlaps: Int { state.withLock { $0.overlaps } }
    var wrongGroup: Int { state.withLock { $0.wrongGroup } }
    func attempts(of group: String) -> [Int] { state.withLock { $0.attempts[group] ?? [] } }
}

/// Handles FIFO jobs slowly enough to interleave; `failing` fails its first `failures` receives.
struct FIFOFunction: MessageFunction {
    typealias Message = FIFOJob
    let recorder: FIFORecorder
    let failing: FIFOJob?
    let failures: Int

    func handle(_ message: FIFOJob, metadata: MessageMetadata, context: FunctionContext) async throws {
        recorder.begin(message, metadataGroup: metadata.groupID)
        await Task.yield()
        if let failing, failing.group == message.group, failing.seq == message.seq, metadata.receiveCount <= failures {
            recorder.end(message, succeeded: false)
            throw HandlerFailure(description: "dependency down for \(message.group)/\(message.seq)")
        }
        await Task.yield()
        recorder.end(message, succeeded: true)
    }
}

enum FIFOFixture {
    /// A manifest with the FIFO queue `orders` consumed by `FIFOFunction` on `workers` workers.
    static func manifest(workers: Int, batchSize: Int = 10) -> Manifest {
        var orders = QueueConfig(name: "orders", deadLetterQueue: "orders-dlq", maxReceiveCount: 10)
        orders.delivery = QueueDelivery(fifo: true)
        return Manifest(
            queues: [orders, QueueConfig(name: "orders-dlq")],
            functions: [FunctionConfig(
                name: "process-orders", handler: "FIFOFunction", trigger: TriggerConfig(queue: "orders", batchSize: batchSize),
                retry: RetryPolicy(initialDelay: .zero, maxDelay: .zero, jitter: 0),
                scale: ScaleConfig(minWorkers: workers, maxWorkers: workers)
            )]
        )
    }

    static func registry(_ function: FIFOFunction) -> FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("FIFOFunction", function)
        return registry
    }

    /// Sends `groups` × `perGroup` jobs, groups interleaved, in store calls of 500.
    static func send(groups: Int, perGroup: Int, to store: any QueueStore) async throws {
        var batch: [OutgoingMessage] = []
        for seq in 0..<perGroup {
            for group in 0..<groups {
                let body = try JSONEncoder().encode(FIFOJob(group: "g\(group)", seq: seq))
                batch.append(OutgoingMessage(body: body, groupID: "g\(group)"))
                if batch.count == 500 {
                    try await store.send(batch, to: "orders")
                    batch.removeAll()
                }
            }
        }
        if !batch.isEmpty { try await store.send(batch, to: "orders") }
    }

    /// Checks that every group ran in exact send order, one message at a time, with the
    /// failing message retried in place (`failures` failed attempts before it succeeded).
    static func expectExactOrder(_ recorder: FIFORecorder, groups: Int, perGroup: Int, failing: FIFOJob?, failures: Int) {
        #expect(recorder.overlaps == 0, "a group ran two messages at once")
        #expect(recorder.wrongGroup == 0)
        #expect(recorder.succeeded == groups * perGroup)
        for group in 0..<groups {
            var expected = Array(0..<perGroup)
            if let failing, failing.group == "g\(group)" {
                expected.insert(contentsOf: Array(repeating: failing.seq, count: failures), at: failing.seq)
            }
            let attempts = recorder.attempts(of: "g\(group)")
            #expect(attempts == expected, "group g\(group) ran out of order: first difference at \(Array(zip(attempts, expected)).firstIndex { $0.0 != $0.1 } ?? min(attempts.count, expected.count))")
        }
    }
}
