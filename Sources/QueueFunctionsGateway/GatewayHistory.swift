import QueueFunctions
import QueueFunctionsHTTP
import Foundation
import Synchronization

/// The recent past of every function, sampled at a fixed interval, for the
/// dashboard's charts: backlog and worker counts over time.
final class GatewayHistory: Sendable {
    /// One function at one moment.
    struct FunctionSample: Sendable, Encodable {
        /// The function's name.
        var name: String
        /// Messages ready on its queue.
        var visible: Int
        /// Messages of its queue leased to workers.
        var inFlight: Int
        /// Messages of its queue waiting out a delay or backoff.
        var delayed: Int
        /// Worker tasks running.
        var workers: Int
        /// Worker tasks asked for.
        var desiredWorkers: Int
        /// Worker tasks inside an invocation.
        var busyWorkers: Int
    }

    /// Every function at one moment.
    struct Sample: Sendable, Encodable {
        /// When, in seconds since 1970.
        var time: Double
        /// One entry per function, in manifest order.
        var functions: [FunctionSample]
    }

    /// The most samples kept.
    let capacity: Int
    private let samples = Mutex(RingBuffer<Sample>())

    /// Creates an empty history keeping `capacity` samples.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds a sample, dropping the oldest beyond ``capacity``.
    func record(_ sample: Sample) {
        samples.withLock { samples in
            samples.append(sample)
            while samples.count > capacity { _ = samples.popFirst() }
        }
    }

    /// The kept samples, oldest first.
    var all: [Sample] {
        samples.withLock { samples in
            var all: [Sample] = []
            all.reserveCapacity(samples.count)
            samples.forEach { all.append($0) }
            return all
        }
    }

    /// Samples `host` every `interval` until the task is cancelled.
    func run(host: FunctionHost, interval: Duration) async {
        while !Task.isCancelled {
            if let sample = await Self.sample(host) { record(sample) }
            try? await Task.sleep(for: interval)
        }
    }

    /// Reads every function's queue counts and worker gauges now; nil when the store fails.
    static func sample(_ host: FunctionHost) async -> Sample? {
        var statsByQueue: [String: QueueStats] = [:]
        var functions: [FunctionSample] = []
        functions.reserveCapacity(host.runners.count)
        for runner in host.runners {
            let queue = runner.function.trigger.queue
            let stats: QueueStats
            if let known = statsByQueue[queue] {
                stats = known
            } else {
                do {
                    stats = try await host.store.stats(for: queue)
                } catch {
                    host.logger.warning("dashboard history could not read queue counts", [("queue", queue), ("error", "\(error)")])
                    return nil
                }
                statsByQueue[queue] = stats
            }
            let metrics = runner.metrics.snapshot
            functions.append(FunctionSample(
                name: runner.function.name, visible: stats.visible, inFlight: stats.inFlight, delayed: stats.delayed,
                workers: metrics.workers, desiredWorkers: metrics.desiredWorkers, busyWorkers: metrics.busyWorkers
            ))
        }
        return Sample(time: host.clock.now().timeIntervalSince1970, functions: functions)
    }
}
