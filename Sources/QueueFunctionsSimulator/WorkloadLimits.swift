import QueueFunctions

/// The ranges of a workload's numbers, from a file or from `simulate`'s flags. They keep a
/// simulation finite: at most ``messages`` messages over at most a day of virtual time.
package enum WorkloadLimits {
    /// The most messages one workload sends, all phases together.
    package static let messages = 10_000_000
    /// A burst's `count`: 0…10000000.
    package static let burstCount = InputRange<Int>.between(0, messages)
    /// A rate in messages per second: 0…1000000.
    package static let rate = InputRange<Double>.between(0, 1_000_000)
    /// A point on the timeline (`at`, `from`, `to`): 0s…1d.
    package static let offset = InputRange<Duration>.between(.zero, .seconds(86_400))
    /// How long the handler takes per message (and the function `timeout`): 0s…12h.
    package static let handlerDuration = InputRange<Duration>.between(.zero, InputLimits.longestLease)
    /// The arrival grid `tick`: 0s…1s.
    package static let tick = InputRange<Duration>.between(.zero, .seconds(1))
    /// Intervals and waits of the simulated autoscaler: 0s…1h.
    package static let interval = InputRange<Duration>.between(.zero, .seconds(3600))

    /// The problem with `workload`'s message count, if it sends more than ``messages``.
    package static func messageCountProblem(_ workload: Workload) -> String? {
        let count = workload.messageCount
        guard count > messages else { return nil }
        let written = count == .max ? "more than \(messages)" : "\(count)"
        return "the workload sends \(written) messages; at most \(messages) are allowed: lower the counts, rates or windows"
    }
}
