import QueueFunctions
import Foundation
import Synchronization

/// Collects what one simulated run measures inside the handler.
final class SimulationRecorder: Sendable {
    private let waits: Mutex<[Double]>

    init(expectedMessages: Int) {
        var initial: [Double] = []
        initial.reserveCapacity(expectedMessages)
        waits = Mutex(initial)
    }

    /// Records one message's wait from send to its first handler start.
    func recordWait(_ seconds: Double) {
        waits.withLock { $0.append(seconds) }
    }

    /// The recorded waits, sorted.
    func sortedWaits() -> [Double] {
        waits.withLock { $0 }.sorted()
    }
}

/// Thrown by the simulated handler during an outage.
struct SimulatedOutage: Error, CustomStringConvertible {
    var description: String
}

/// The simulated handler: each message's body is its index in the workload; the batch
/// sleeps (on the virtual clock) the sum of its messages' drawn durations, or fails
/// after the first message's duration while an outage lasts.
struct SimulatedFunction: QueueFunction {
    typealias Message = RawBody

    let duration: DurationDistribution
    let seed: UInt64
    let outages: [ClosedRange<Double>]
    let origin: Date
    let recorder: SimulationRecorder
    /// Whether an outage is reported as ``DependencyUnavailable`` (the workload's dependency has a breaker).
    var reportsOutages = false

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        let now = context.clock.now()
        var total = 0.0
        var first: Double?
        for item in batch {
            let attempt = item.metadata.receiveCount
            if attempt == 1 { recorder.recordWait(now.timeIntervalSince(item.metadata.sentAt)) }
            let seconds = duration.seconds(seed: seed, index: Self.index(item.message.bytes), attempt: attempt)
            total += seconds
            if first == nil { first = seconds }
        }
        let offset = now.timeIntervalSince(origin)
        if outages.contains(where: { $0.lowerBound <= offset && offset < $0.upperBound }) {
            try await context.clock.sleep(until: now.addingTimeInterval(first ?? 0))
            if reportsOutages { throw DependencyUnavailable(Workload.dependencyName, reason: "simulated outage") }
            throw SimulatedOutage(description: "simulated outage: the dependency is down")
        }
        try await context.clock.sleep(until: now.addingTimeInterval(total))
    }

    /// Parses the decimal index the simulator writes as the body.
    static func index(_ bytes: Data) -> Int {
        var value = 0
        for byte in bytes where byte >= 48 && byte <= 57 { value = value &* 10 &+ Int(byte - 48) }
        return value
    }
}
