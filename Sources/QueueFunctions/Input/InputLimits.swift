/// The ranges of the numbers users give: one place, so the manifest, the command line,
/// the admin API and the README agree. Every range has an upper end, so nothing read from
/// outside can overflow the arithmetic done on it later.
package enum InputLimits {
    /// A message's delay before it becomes visible (`send --delay`, `?delay=`): 0s…7d.
    package static let messageDelay = InputRange<Duration>.between(.zero, .seconds(7 * 86_400))
    /// The longest lease: a function's `timeout` and a queue's `visibility_timeout` (12h, as SQS).
    package static let longestLease = Duration.seconds(12 * 3600)
    /// A queue's `visibility_timeout`: 0s…12h.
    package static let visibilityTimeout = InputRange<Duration>.between(.zero, longestLease)
    /// A function's `timeout`: more than 0s, up to 12h.
    package static let functionTimeout = InputRange<Duration>.above(.zero, atMost: longestLease)
    /// A trigger's `batching_window`: 0s…5m (Lambda's `MaximumBatchingWindowInSeconds` limit).
    package static let batchingWindow = InputRange<Duration>.between(.zero, .seconds(300))
    /// A trigger's `batch_size`: 1…10000 (Lambda's limit for standard queues).
    package static let batchSize = InputRange<Int>.between(1, 10_000)
    /// A queue's `max_receive_count`: 1…1000 (SQS's limit).
    package static let maxReceiveCount = InputRange<Int>.between(1, 1_000)
    /// Retry delays (`initial_delay`, `max_delay`): 0s…7d.
    package static let retryDelay = InputRange<Duration>.between(.zero, .seconds(7 * 86_400))
    /// The retry `multiplier`: 1…100.
    package static let retryMultiplier = InputRange<Double>.between(1, 100)
    /// The retry `jitter`: 0…1.
    package static let retryJitter = InputRange<Double>.between(0, 1)
    /// Worker counts (`min_workers`, `max_workers`, `max_scale_up_step`, host `max_workers`): up to 10000.
    package static let mostWorkers = 10_000
    /// `target_backlog_per_worker`: 1…1000000.
    package static let targetBacklogPerWorker = InputRange<Int>.between(1, 1_000_000)
    /// Intervals of the host and the autoscaler (`scale_interval`, `idle_poll_interval`): more than 0s, up to 1h.
    package static let interval = InputRange<Duration>.above(.zero, atMost: .seconds(3600))
    /// Waits of the host and the autoscaler (`scale_down_stabilization`, `shutdown_grace_period`,
    /// `--grace-period`): 0s…1h.
    package static let wait = InputRange<Duration>.between(.zero, .seconds(3600))
    /// The HTTP `idempotency_window`: 0s…7d.
    package static let idempotencyWindow = InputRange<Duration>.between(.zero, .seconds(7 * 86_400))
    /// A message's priority (`send --priority`, `X-Message-Priority`, a queue's `default_priority`): 0…9.
    package static let messagePriority = InputRange<Int>.between(MessagePriority.lowest, MessagePriority.highest)
    /// A FIFO queue's `deduplication_window`: more than 0s, up to 7d (SQS: always 5 minutes).
    package static let deduplicationWindow = InputRange<Duration>.above(.zero, atMost: .seconds(7 * 86_400))
    /// A TCP port (`--port`): 0…65535, 0 picking a free one.
    package static let port = InputRange<Int>.between(0, 65_535)
    /// How many messages one listing shows (`dlq list --limit`): 1…10000.
    package static let listLimit = InputRange<Int>.between(1, 10_000)
    /// How many messages one redrive moves (`--limit`, `?limit=`): 1…1000000000.
    package static let redriveLimit = InputRange<Int>.between(1, 1_000_000_000)
}

extension InputLimits {
    /// A dependency's `max_concurrency` and `burst`: 1…100000.
    package static let dependencyCount = InputRange<Int>.between(1, 100_000)
    /// The count of a dependency's `rate`: 1…1000000.
    package static let rateCount = InputRange<Int>.between(1, 1_000_000)
    /// The period of a dependency's `rate`: more than 0s, up to 1d.
    package static let ratePeriod = InputRange<Duration>.above(.zero, atMost: .seconds(86_400))
    /// A breaker's `failure_ratio`: more than 0, up to 1.
    package static let failureRatio = InputRange<Double>.above(0, atMost: 1)
    /// A breaker's `minimum_calls`: 1…1000000.
    package static let minimumCalls = InputRange<Int>.between(1, 1_000_000)
    /// A breaker's `window` and `open_for`: more than 0s, up to 1d.
    package static let breakerTime = InputRange<Duration>.above(.zero, atMost: .seconds(86_400))
    /// How long `once(key:)` remembers a key: more than 0s, up to 365d.
    package static let onceTTL = InputRange<Duration>.above(.zero, atMost: .seconds(365 * 86_400))
}
