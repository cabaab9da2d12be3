import Foundation
import Synchronization
@testable import QueueFunctions
@testable import QueueFunctionsHost

/// Counts deliveries per message and what a shared resource saw, for the embedded-host tests.
final class DeliveryLedger: Sendable {
    private struct State {
        var deliveries: [MessageID: Int] = [:]
        var largestBatch: [String: Int] = [:]
        var running = 0
        var ranAfterClose = false
        var runningAtClose: Int?
    }

    private let state = Mutex(State())

    func begin(_ batch: [MessageID], function: String) {
        state.withLock { state in
            state.running += 1
            state.largestBatch[function] = max(state.largestBatch[function] ?? 0, batch.count)
            if state.runningAtClose != nil { state.ranAfterClose = true }
        }
    }

    func end(_ batch: [MessageID]) {
        state.withLock { state in
            state.running -= 1
            for id in batch { state.deliveries[id, default: 0] += 1 }
        }
    }

    /// Called when the shared resource closes.
    func resourceClosed() {
        state.withLock { $0.runningAtClose = $0.running }
    }

    /// Whether a batch is in the handler now.
    var isRunning: Bool { state.withLock { $0.running > 0 } }
    var handled: Set<MessageID> { state.withLock { Set($0.deliveries.keys) } }
    var handledCount: Int { state.withLock { $0.deliveries.count } }
    var duplicates: Int { state.withLock { $0.deliveries.values.reduce(0) { $0 + max(0, $1 - 1) } } }
    func largestBatch(of function: String) -> Int { state.withLock { $0.largestBatch[function] ?? 0 } }
    /// How many batches were running when the resource closed (nil: not closed).
    var runningAtClose: Int? { state.withLock { $0.runningAtClose } }
    var ranAfterClose: Bool { state.withLock { $0.ranAfterClose } }
}

/// A shared resource that counts its starts and closes.
final class CountingResource: Sendable {
    let starts = Atomic<Int>(0)
    let closes = Atomic<Int>(0)
    let ledger: DeliveryLedger

    init(ledger: DeliveryLedger) {
        self.ledger = ledger
    }

    /// What the resource hands to the factories.
    struct Connection: Sendable {
        let owner: CountingResource
    }

    func start() -> Connection {
        starts.add(1, ordering: .relaxed)
        return Connection(owner: self)
    }

    func close() {
        ledger.resourceClosed()
        closes.add(1, ordering: .relaxed)
    }
}

/// Records every batch in the ledger, taking `pause` per batch so batches are in flight.
struct LedgerFunction: QueueFunction {
    struct Message: Decodable, Sendable { var n: Int }
    let ledger: DeliveryLedger
    let pause: Duration
    let connection: CountingResource.Connection?

    func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws {
        let ids = batch.map(\.id)
        ledger.begin(ids, function: context.functionName)
        defer { ledger.end(ids) }
        // A graceful stop lets the batch finish: the pause ignores cancellation on purpose
        // only when it is short, like real work that completes.
        if pause > .zero { try? await Task.sleep(for: pause) }
    }
}

struct EventuallyTimeout: Error, CustomStringConvertible {
    var description: String
}

/// A manifest with one or two functions on SQLite-friendly settings.
func embeddedManifest(batch: Int = 10, workers: Int = 2, withSecond: Bool = false, secondBatch: Int = 5) -> String {
    let second = withSecond ? """
        ,
            { "name": "drain-me", "handler": "Ledger", "trigger": { "queue": "side-jobs", "batch_size": \(secondBatch) },
              "timeout": "10s", "scale": { "min_workers": 1, "max_workers": 1 } }
        """ : ""
    let secondQueue = withSecond ? #", { "name": "side-jobs", "visibility_timeout": "60s" }"# : ""
    return """
        {
          "host": { "idle_poll_interval": "50ms", "shutdown_grace_period": "5s" },
          "queues": [{ "name": "jobs", "visibility_timeout": "60s" }\(secondQueue)],
          "functions": [
            { "name": "work", "handler": "Ledger", "trigger": { "queue": "jobs", "batch_size": \(batch) },
              "timeout": "10s", "scale": { "min_workers": 1, "max_workers": \(workers) } }\(second)
          ]
        }
        """
}
