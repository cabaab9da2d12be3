import Foundation
import Synchronization
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost

/// A job with a number, the message type most tests use.
struct Job: Codable, Sendable, Equatable {
    var number: Int
}

/// Records what handlers saw, shared between a test and its handler instances.
final class Recorder: Sendable {
    struct Call: Sendable {
        var number: Int
        var receiveCount: Int
        var time: Date
        var id: MessageID
    }

    private let calls = Mutex<[Call]>([])

    func record(_ job: Job, _ metadata: MessageMetadata, at time: Date) {
        calls.withLock { $0.append(Call(number: job.number, receiveCount: metadata.receiveCount, time: time, id: metadata.id)) }
    }

    var all: [Call] { calls.withLock { $0 } }
    var numbers: [Int] { all.map(\.number) }
    var count: Int { calls.withLock { $0.count } }
}

/// Succeeds for every message and records it.
struct RecordingFunction: MessageFunction {
    typealias Message = Job
    let recorder: Recorder

    func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
        recorder.record(message, metadata, at: context.clock.now())
    }
}

struct HandlerFailure: Error, CustomStringConvertible {
    var description: String
}

/// Fails a message until its `receiveCount` exceeds `failures`, then succeeds.
struct FlakyFunction: MessageFunction {
    typealias Message = Job
    let recorder: Recorder
    let failures: Int

    func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
        recorder.record(message, metadata, at: context.clock.now())
        if metadata.receiveCount <= failures {
            throw HandlerFailure(description: "dependency down (attempt \(metadata.receiveCount))")
        }
    }
}

/// A switch a test flips to make a handler fail or succeed.
final class Switch: Sendable {
    private let value: Mutex<Bool>
    init(_ initial: Bool) { value = Mutex(initial) }
    var isOn: Bool { value.withLock { $0 } }
    func set(_ on: Bool) { value.withLock { $0 = on } }
}

/// Throws for the whole batch while `failing` is on.
struct SwitchableBatchFunction: QueueFunction {
    typealias Message = Job
    let recorder: Recorder
    let failing: Switch

    func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
        for item in batch { recorder.record(item.message, item.metadata, at: context.clock.now()) }
        if failing.isOn { throw HandlerFailure(description: "import service unavailable") }
    }
}

/// Signals when it starts, then waits until cancelled.
struct BlockingFunction: QueueFunction {
    typealias Message = Job
    let started: AsyncStream<Void>.Continuation
    let cancelled: Switch

    func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
        started.yield()
        do {
            try await context.clock.sleep(for: .seconds(1_000_000))
        } catch {
            cancelled.set(true)
            throw error
        }
    }
}
