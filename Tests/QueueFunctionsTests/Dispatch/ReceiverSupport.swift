import Foundation
import Synchronization
import QueueFunctions

/// A store that forwards to another one and watches how the dispatcher uses it: each
/// receive step's size and leases, how many steps run at once, how many tasks wait for
/// messages at once. It answers `lanes` receive lanes, and can hold each step until
/// `lanes` steps are in flight (bounded in real time), so that overlap is certain.
final class ObservingStore: ForwardingQueueStore {
    struct Step: Sendable {
        var maxCount: Int
        var leased: Int
    }

    struct Observed: Sendable {
        var steps: [Step] = []
        var inFlight = 0
        var mostInFlight = 0
        var waiting = 0
        var mostWaiting = 0
    }

    let base: any QueueStore
    let lanes: Int
    let prefetch: Int
    let holdUntilLanesBusy: Bool
    private let observed = Mutex(Observed())

    init(_ base: any QueueStore, lanes: Int = 1, prefetch: Int = 1, holdUntilLanesBusy: Bool = false) {
        self.base = base
        self.lanes = lanes
        self.prefetch = prefetch
        self.holdUntilLanesBusy = holdUntilLanesBusy
    }

    var snapshot: Observed { observed.withLock { $0 } }
    /// Resets the counts of concurrency seen so far (not the steps).
    func resetMostWaiting() { observed.withLock { $0.mostWaiting = $0.waiting } }

    var receiveLanes: Int { lanes }
    var receivePrefetch: Int { prefetch }

    func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        observed.withLock { state in
            state.inFlight += 1
            state.mostInFlight = max(state.mostInFlight, state.inFlight)
        }
        defer { observed.withLock { $0.inFlight -= 1 } }
        if holdUntilLanesBusy, maxCount > 0 {
            let giveUp = ContinuousClock.now.advanced(by: .milliseconds(200))
            while observed.withLock({ $0.inFlight < lanes }), ContinuousClock.now < giveUp {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        let answer = try await base.settleAndReceive(settlements, from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
        observed.withLock { $0.steps.append(Step(maxCount: maxCount, leased: answer.leases.count)) }
        return answer
    }

    func waitForMessages(on queue: String, until deadline: Date) async {
        observed.withLock { state in
            state.waiting += 1
            state.mostWaiting = max(state.mostWaiting, state.waiting)
        }
        defer { observed.withLock { $0.waiting -= 1 } }
        await base.waitForMessages(on: queue, until: deadline)
    }
}

/// Records each batch's size and every body it saw; a batch whose first body is `hold`
/// waits (in real time, bounded) until `release()`.
final class BatchLog: Sendable {
    private struct State {
        var sizes: [Int] = []
        var bodies: [String: Int] = [:]
        var released = false
    }

    private let state = Mutex(State())
    let hold: String?
    let holdEvery: Bool

    /// `hold`: the first body of the batch to hold; `holdEvery`: hold every batch.
    init(hold: String? = nil, holdEvery: Bool = false) {
        self.hold = hold
        self.holdEvery = holdEvery
    }

    func release() { state.withLock { $0.released = true } }
    var sizes: [Int] { state.withLock { $0.sizes } }
    /// How many times each body was handled.
    var handled: [String: Int] { state.withLock { $0.bodies } }

    func record(_ bodies: [String]) async {
        state.withLock { state in
            state.sizes.append(bodies.count)
            for body in bodies { state.bodies[body, default: 0] += 1 }
        }
        guard holdEvery || (hold != nil && bodies.first == hold) else { return }
        let giveUp = ContinuousClock.now.advanced(by: .seconds(120))
        while !state.withLock({ $0.released }), ContinuousClock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// Hands each batch's bodies to a ``BatchLog``.
struct BatchLogFunction: QueueFunction {
    typealias Message = RawBody
    let log: BatchLog

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        await log.record(batch.items.map { String(decoding: $0.message.bytes, as: UTF8.self) })
    }
}

/// A host of one function on `store`, `workers` workers, on a manual clock.
func receiverHost(
    _ log: BatchLog, store: any QueueStore, clock: ManualClock, workers: Int, batchSize: Int = 10,
    batchingWindow: Duration = .zero
) throws -> FailurePathHost {
    var registry = FunctionRegistry()
    registry.register("Logged", BatchLogFunction(log: log))
    let function = FunctionConfig(
        name: "under-test", handler: "Logged",
        trigger: TriggerConfig(queue: "jobs", batchSize: batchSize, batchingWindow: batchingWindow),
        scale: ScaleConfig(minWorkers: workers, maxWorkers: workers)
    )
    return try FailurePathHost(function: function, queue: QueueConfig(name: "jobs"), registry: registry, store: store, clock: clock)
}

/// `count` messages whose bodies are their numbers, sent in one call.
func numberedMessages(_ range: Range<Int>) -> [OutgoingMessage] {
    range.map { OutgoingMessage(body: Data("\($0)".utf8)) }
}
