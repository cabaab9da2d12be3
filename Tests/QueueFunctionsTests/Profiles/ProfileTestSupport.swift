import Foundation
import Synchronization
@testable import QueueFunctions
import QueueFunctionsTesting

/// A manifest with queue `jobs` (plus `queue` keys) triggering function `work`
/// (handler `Worker`) under `profile`, with `function` and `trigger` keys spliced in.
func profileManifest(_ profile: String, queue: String = "", function: String = "", trigger: String = "") -> String {
    oneFunctionManifest(
        queue: queue, function: ([#""profile": "\#(profile)""#] + (function.isEmpty ? [] : [function])).joined(separator: ", "),
        trigger: trigger
    )
}

/// A TestHost running `function` as handler `Worker` of the manifest `json`.
func profileHost<Function: QueueFunction>(_ function: Function, manifest json: String) throws -> TestHost {
    let loaded = try loadManifest(json)
    var registry = FunctionRegistry()
    registry.register("Worker", function)
    return try TestHost(manifest: loaded.manifest, registry: registry)
}

/// The error messages of `json`'s diagnostics with `severity`.
func diagnostics(_ json: String, _ severity: ManifestDiagnostic.Severity = .error) -> [ManifestDiagnostic] {
    do {
        let loaded = try loadManifest(json)
        return severity == .warning ? loaded.warnings : []
    } catch {
        return error.diagnostics.filter { $0.severity == severity }
    }
}

/// Sends `numbers` as jobs in one store call, so they arrive in one batch.
@discardableResult
func sendTogether(_ numbers: [Int], to host: TestHost, queue: String = "jobs") async throws -> [MessageID] {
    let bodies = try numbers.map { try JSONEncoder().encode(Job(number: $0)) }
    return try await host.host.queues.send(bodies: bodies, to: queue)
}

/// Settles each item of a batch by its number, as a partial batch response would.
struct ScriptedBatchFunction: QueueFunction {
    typealias Message = Job
    let recorder: Recorder
    var fail: Set<Int> = []
    var deadLetter: Set<Int> = []
    var throwAfterSettling = false
    var foreignID: MessageID?
    /// Throws, before settling anything, when the batch holds this number.
    var throwFor: Int?

    func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
        if let throwFor, batch.items.contains(where: { $0.message.number == throwFor }) {
            for item in batch { recorder.record(item.message, item.metadata, at: context.clock.now()) }
            throw HandlerFailure(description: "job \(throwFor) failed")
        }
        for item in batch {
            recorder.record(item.message, item.metadata, at: context.clock.now())
            if fail.contains(item.message.number) {
                batch.settle(item, .failure("item \(item.message.number) failed"))
            } else if deadLetter.contains(item.message.number) {
                batch.settle(item, .deadLetter(reason: "item \(item.message.number) can never succeed"))
            } else {
                batch.settle(item, .success)
            }
        }
        if let foreignID { batch.settle(foreignID, .failure("not in this batch")) }
        if throwAfterSettling { throw HandlerFailure(description: "crashed after settling its items") }
    }
}

/// Keeps the metadata of every message it sees.
final class MetadataRecorder: Sendable {
    private let seen = Mutex<[MessageMetadata]>([])
    func record(_ metadata: MessageMetadata) { seen.withLock { $0.append(metadata) } }
    var all: [MessageMetadata] { seen.withLock { $0 } }
}

/// Records each message's metadata and sizes of the batches it saw.
struct MetadataFunction: QueueFunction {
    typealias Message = RawBody
    let recorder: MetadataRecorder
    let batches: Recorder

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        batches.record(Job(number: batch.count), batch.items[0].metadata, at: context.clock.now())
        for item in batch { recorder.record(item.metadata) }
    }
}

/// A door a handler waits behind until the test opens it.
final class Gate: Sendable {
    private let opened = Mutex(false)
    func open() { opened.withLock { $0 = true } }
    var isOpen: Bool { opened.withLock { $0 } }
}

/// Records the message, then waits (in real time) until `gate` opens.
struct GatedFunction: MessageFunction {
    typealias Message = Job
    let recorder: Recorder
    let gate: Gate
    /// Only this job waits for the gate; nil: every job does.
    var only: Int?

    func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
        recorder.record(message, metadata, at: context.clock.now())
        guard only == nil || only == message.number else { return }
        while !gate.isOpen { try await Task.sleep(for: .milliseconds(5)) }
    }
}

/// A value behind a lock, for recorders.
final class MutexBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func update(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
    var value: Value { storage.withLock { $0 } }
}

/// When the lease of the one in-flight message of `jobs` ends, if there is one.
func leaseEnd(_ host: TestHost, queue: String = "jobs") async throws -> Date? {
    for message in try await host.store.peek(queue, limit: 10) {
        if case .inFlight(let until) = message.state { return until }
    }
    return nil
}
