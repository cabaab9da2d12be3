import Foundation
import Synchronization

/// Counters for one function, read by `status`, `/metrics` and the autoscaler.
/// Every counter only goes up; gauges (`workers`, `desiredWorkers`, `busyWorkers`) move both ways.
public final class FunctionMetrics: Sendable {
    /// A copy of the numbers at one moment.
    public struct Snapshot: Sendable, Equatable, Codable {
        /// Handler invocations started.
        public var invocations = 0
        /// Messages handled successfully (acked).
        public var succeeded = 0
        /// Messages that failed and were scheduled for another delivery.
        public var retried = 0
        /// Messages moved to the dead-letter queue.
        public var deadLettered = 0
        /// Invocations cancelled by their timeout.
        public var timeouts = 0
        /// Invocations that failed as a whole (threw or timed out).
        public var failedInvocations = 0
        /// Worker starts (handler factory calls), the local cold starts.
        public var coldStarts = 0
        /// Total time spent in handler factories.
        public var coldStartSeconds = 0.0
        /// Worker tasks running now.
        public var workers = 0
        /// Worker tasks the scaler asked for.
        public var desiredWorkers = 0
        /// Worker tasks inside an invocation now.
        public var busyWorkers = 0
        /// Invocation durations: count per upper bound in ``FunctionMetrics/durationBuckets`` (last = +Inf).
        public var durationBucketCounts: [Int] = Array(repeating: 0, count: FunctionMetrics.durationBuckets.count + 1)
        /// Sum of invocation durations in seconds.
        public var durationSum = 0.0

        /// Creates zeroed numbers.
        public init() {}
    }

    /// Histogram bucket upper bounds, in seconds.
    public static let durationBuckets: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private let state = Mutex(Snapshot())

    /// Creates zeroed metrics.
    public init() {}

    /// The current numbers.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Applies `change` to the numbers under the lock.
    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    /// Records one finished invocation: its duration, and one busy worker fewer.
    func recordFinishedInvocation(seconds: Double) {
        state.withLock { snapshot in
            snapshot.busyWorkers -= 1
            let index = Self.durationBuckets.firstIndex { seconds <= $0 } ?? Self.durationBuckets.count
            snapshot.durationBucketCounts[index] += 1
            snapshot.durationSum += seconds
        }
    }
}
