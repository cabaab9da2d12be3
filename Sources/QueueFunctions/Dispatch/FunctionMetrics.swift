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
        /// Worker tasks running now whose handler started and is not stuck: the live ones.
        public var workers = 0
        /// Worker tasks the scaler asked for.
        public var desiredWorkers = 0
        /// Worker tasks inside an invocation now.
        public var busyWorkers = 0
        /// Invocation durations: count per upper bound in ``FunctionMetrics/durationBuckets`` (last = +Inf).
        public var durationBucketCounts: [Int] = Array(repeating: 0, count: FunctionMetrics.durationBuckets.count + 1)
        /// Sum of invocation durations in seconds.
        public var durationSum = 0.0
        /// Workers whose handler ignored its cancellation (timeout or shutdown) and still runs.
        /// They hold no messages and are not counted in ``workers``.
        public var stuckWorkers = 0
        /// Lease renewals the store applied while handlers ran longer than half the visibility timeout.
        public var renewedLeases = 0
        /// Leases lost under a running handler (a renewal refused as stale); their acks are skipped.
        public var lostLeases = 0
        /// Settlements of handled messages given up because their leases lapsed while the store failed.
        public var droppedSettlements = 0
        /// Set while the handler factory keeps throwing: since when, and the last error.
        public var factoryFailure: OngoingFailure?
        /// Set while store calls keep failing with retryable errors: since when, and the last error.
        public var storeFailure: OngoingFailure?

        /// Creates zeroed numbers.
        public init() {}

        /// What is wrong with the function now, one sentence each, for `status`, the
        /// admin API and the dashboard: "handler factory failing since …: …",
        /// "store failing since …: …", stuck workers. Empty when all is well.
        public var problems: [String] {
            var lines: [String] = []
            if let failure = factoryFailure {
                lines.append("handler factory failing since \(Self.timestamp(failure.since)) "
                             + "(\(failure.failures) tries, backing off): \(failure.error)")
            }
            if let failure = storeFailure {
                lines.append("store failing since \(Self.timestamp(failure.since)) "
                             + "(\(failure.failures) tries, backing off): \(failure.error)")
            }
            if stuckWorkers > 0 {
                lines.append("\(stuckWorkers) worker(s) stuck in a handler that ignores its cancellation")
            }
            return lines
        }

        private static func timestamp(_ date: Date) -> String {
            date.formatted(.iso8601)
        }
    }

    /// A failure that goes on: the host backs off and tries again.
    public struct OngoingFailure: Sendable, Equatable, Codable {
        /// When the first failure of this run of failures happened.
        public var since: Date
        /// The last error, as text.
        public var error: String
        /// Failures in a row so far.
        public var failures: Int

        /// Creates a record of an ongoing failure.
        public init(since: Date, error: String, failures: Int) {
            self.since = since
            self.error = error
            self.failures = failures
        }

        /// This failure with one more occurrence of `error`.
        func adding(_ error: String) -> OngoingFailure {
            OngoingFailure(since: since, error: error, failures: failures + 1)
        }
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

    /// Records one more failed store call.
    ///
    /// - Returns: Whether this starts a run of failures (the store was healthy before).
    func recordStoreFailure(_ error: String, at time: Date) -> Bool {
        state.withLock { snapshot in
            if let ongoing = snapshot.storeFailure {
                snapshot.storeFailure = ongoing.adding(error)
                return false
            }
            snapshot.storeFailure = OngoingFailure(since: time, error: error, failures: 1)
            return true
        }
    }

    /// Records one more throw of the handler factory.
    ///
    /// - Returns: Whether this starts a run of failures.
    func recordFactoryFailure(_ error: String, at time: Date) -> Bool {
        state.withLock { snapshot in
            if let ongoing = snapshot.factoryFailure {
                snapshot.factoryFailure = ongoing.adding(error)
                return false
            }
            snapshot.factoryFailure = OngoingFailure(since: time, error: error, failures: 1)
            return true
        }
    }
}
