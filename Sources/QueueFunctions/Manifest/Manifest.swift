import Foundation

/// The parsed, validated contents of `functions.json`: queues, the functions they
/// trigger, the producers that feed them, and host-wide settings.
///
/// Load one with ``ManifestLoader``; every default below is documented in the README's
/// manifest reference with the platform value it follows.
public struct Manifest: Sendable, Equatable {
    /// Every queue, declared ones first, then implicit dead-letter queues.
    public var queues: [QueueConfig]
    /// Every function, in manifest order.
    public var functions: [FunctionConfig]
    /// Every producer (HTTP routes), in manifest order.
    public var producers: [ProducerConfig]
    /// Host-wide settings.
    public var host: HostConfig
    /// Every topic, in manifest order (see ``TopicConfig``).
    public var topics: [TopicConfig] = []
    /// The downstream services functions declare they use, with their shared limits.
    public var dependencies: [DependencyConfig] = []

    /// Creates a manifest.
    public init(
        queues: [QueueConfig], functions: [FunctionConfig], producers: [ProducerConfig] = [], host: HostConfig = HostConfig(),
        topics: [TopicConfig] = []
    ) {
        self.queues = queues
        self.functions = functions
        self.producers = producers
        self.host = host
        self.topics = topics
    }

    /// The queue named `name`, if declared.
    public func queue(named name: String) -> QueueConfig? {
        queues.first { $0.name == name }
    }

    /// The function named `name`, if declared.
    public func function(named name: String) -> FunctionConfig? {
        functions.first { $0.name == name }
    }
}

/// One queue: its lease, its retry budget and where exhausted messages go.
public struct QueueConfig: Sendable, Equatable {
    /// The queue's name (`import-jobs`).
    public var name: String
    /// Where messages go after `maxReceiveCount` receives (default `<name>-dlq`);
    /// nil for a queue that is itself a dead-letter queue.
    public var deadLetterQueue: String?
    /// Receives allowed before a failing message is dead-lettered (SQS `maxReceiveCount`,
    /// Azure `maxDequeueCount`; default 5).
    public var maxReceiveCount: Int
    /// How long a received message stays invisible to others (SQS `VisibilityTimeout`; default 30s).
    public var visibilityTimeout: Duration
    /// Delivery options: FIFO groups, deduplication, default priority (see ``QueueDelivery``).
    public var delivery = QueueDelivery()

    /// Creates a queue configuration.
    public init(name: String, deadLetterQueue: String? = nil, maxReceiveCount: Int = 5, visibilityTimeout: Duration = .seconds(30)) {
        self.name = name
        self.deadLetterQueue = deadLetterQueue
        self.maxReceiveCount = maxReceiveCount
        self.visibilityTimeout = visibilityTimeout
    }
}

/// One function: which handler runs for which queue, and how.
public struct FunctionConfig: Sendable, Equatable {
    /// The function's name (`process-import`).
    public var name: String
    /// The registered handler name it runs.
    public var handler: String
    /// The queue trigger.
    public var trigger: TriggerConfig
    /// How long one invocation may run before it is cancelled and counted as failed (default 5s).
    public var timeout: Duration
    /// How failures are retried.
    public var retry: RetryPolicy
    /// How many worker tasks run it.
    public var scale: ScaleConfig
    /// The platform whose trigger rules it runs under (default `native`; see ``PlatformProfile``).
    public var profile: PlatformProfile = .native
    /// The names of the dependencies (``Manifest/dependencies``) its handler calls: their
    /// limits and circuit breakers gate its receives.
    public var dependencies: [String] = []

    /// Creates a function configuration.
    public init(
        name: String, handler: String, trigger: TriggerConfig, timeout: Duration = .seconds(5),
        retry: RetryPolicy = RetryPolicy(), scale: ScaleConfig = ScaleConfig()
    ) {
        self.name = name
        self.handler = handler
        self.trigger = trigger
        self.timeout = timeout
        self.retry = retry
        self.scale = scale
    }
}

/// A queue trigger: which queue, how many messages per invocation, how long to gather them.
public struct TriggerConfig: Sendable, Equatable {
    /// The queue whose messages invoke the function.
    public var queue: String
    /// The most messages per invocation (1…10,000; default 10, as Lambda's `BatchSize`).
    public var batchSize: Int
    /// How long to wait for a fuller batch once one message is in hand
    /// (Lambda's `MaximumBatchingWindowInSeconds`; default 0).
    public var batchingWindow: Duration
    /// Lambda's `FunctionResponseTypes: [ReportBatchItemFailures]` under the
    /// `aws-lambda-sqs` profile: without it, per-item failures are ignored (default false).
    public var reportBatchItemFailures = false
    /// Azure's `newBatchThreshold` under the `azure-storage-queue` profile; nil for
    /// `batchSize / 2` (one vCPU).
    public var newBatchThreshold: Int?

    /// Creates a trigger.
    public init(queue: String, batchSize: Int = 10, batchingWindow: Duration = .zero) {
        self.queue = queue
        self.batchSize = batchSize
        self.batchingWindow = batchingWindow
    }
}

/// Exponential backoff with jitter between failed deliveries.
///
/// The delay before delivery `n + 1` after failed delivery `n` is
/// `min(maxDelay, initialDelay × multiplier^(n-1))`, reduced by a random part of
/// up to `jitter` of itself.
public struct RetryPolicy: Sendable, Equatable {
    /// The delay after the first failure (default 1s).
    public var initialDelay: Duration
    /// The longest delay (default 5m).
    public var maxDelay: Duration
    /// The growth factor per failure (default 2).
    public var multiplier: Double
    /// The fraction of each delay that is randomized away, 0…1 (default 0.5: the
    /// delay falls between half and all of the exponential value).
    public var jitter: Double

    /// Creates a retry policy.
    public init(initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(300), multiplier: Double = 2, jitter: Double = 0.5) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The backoff after failed delivery number `attempt` (1-based), before jitter.
    public func baseDelay(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let seconds = initialDelay.timeInterval * pow(multiplier, exponent)
        return min(maxDelay, Duration(timeInterval: min(seconds, maxDelay.timeInterval)))
    }

    /// The backoff after failed delivery number `attempt`, with jitter drawn from `unit` (0…1).
    public func delay(afterAttempt attempt: Int, unit: Double) -> Duration {
        let base = baseDelay(afterAttempt: attempt)
        return base.scaled(by: 1 - jitter * min(1, max(0, unit)))
    }
}

/// How many worker tasks a function runs and how the autoscaler moves between them.
public struct ScaleConfig: Sendable, Equatable {
    /// The fewest workers; 0 lets the function scale to zero when idle (default 0).
    public var minWorkers: Int
    /// The most workers (default 8).
    public var maxWorkers: Int
    /// Backlog (visible + in flight) one worker is expected to keep up with (default 20, two batches of 10).
    public var targetBacklogPerWorker: Int
    /// How often the autoscaler decides (default 1s).
    public var scaleInterval: Duration
    /// The most workers added in one decision (default 4, as Azure's target-based scaling).
    public var maxScaleUpStep: Int
    /// How long the desire must stay lower before workers are removed (default 30s).
    public var scaleDownStabilization: Duration
    /// Whose scaling rules the autoscaler follows (default `native`, the rules above;
    /// a profile sets its platform's).
    public var rules: ScalingRules = .native

    /// Creates a scale configuration.
    public init(
        minWorkers: Int = 0, maxWorkers: Int = 8, targetBacklogPerWorker: Int = 20,
        scaleInterval: Duration = .seconds(1), maxScaleUpStep: Int = 4, scaleDownStabilization: Duration = .seconds(30)
    ) {
        self.minWorkers = minWorkers
        self.maxWorkers = maxWorkers
        self.targetBacklogPerWorker = targetBacklogPerWorker
        self.scaleInterval = scaleInterval
        self.maxScaleUpStep = maxScaleUpStep
        self.scaleDownStabilization = scaleDownStabilization
    }
}

/// A producer: an HTTP route whose request bodies become messages on a queue, or are
/// published to a topic.
public struct ProducerConfig: Sendable, Equatable {
    /// The HTTP method (`POST`).
    public var method: String
    /// The path (`/imports`).
    public var path: String
    /// The queue that receives the bodies; empty when the route publishes to ``topic``.
    public var queue: String
    /// The topic the bodies are published to, if the route publishes rather than sends.
    public var topic: String?
    /// A top-level JSON body field whose value deduplicates retried posts, if any
    /// (the `Idempotency-Key` header always does).
    public var idempotencyField: String?

    /// Creates a producer.
    public init(method: String, path: String, queue: String, idempotencyField: String? = nil) {
        self.method = method
        self.path = path
        self.queue = queue
        self.idempotencyField = idempotencyField
    }

    /// Creates a producer that publishes to `topic`.
    public init(method: String, path: String, topic: String, idempotencyField: String? = nil) {
        self.init(method: method, path: path, queue: "", idempotencyField: idempotencyField)
        self.topic = topic
    }

    /// The route as written in the manifest (`POST /imports`).
    public var route: String { "\(method) \(path)" }

    /// Where the bodies go, for messages: `queue "import-jobs"` or `topic "order-events"`.
    public var destination: String {
        if let topic { return "topic \(JSONText.string(topic))" }
        return "queue \(JSONText.string(queue))"
    }
}

/// Settings for the whole host.
public struct HostConfig: Sendable, Equatable {
    /// The most worker tasks across all functions (default 64).
    public var maxWorkers: Int
    /// How long idle workers wait before looking at the store again when nothing
    /// wakes them (messages sent by other processes; default 1s).
    public var idlePollInterval: Duration
    /// How long a graceful shutdown lets in-flight batches finish (default 10s).
    public var shutdownGracePeriod: Duration
    /// How long retried HTTP posts with the same idempotency key are deduplicated (default 5m, as SQS FIFO).
    public var idempotencyWindow: Duration
    /// The profile of every function that does not name its own (default `native`).
    public var profile: PlatformProfile = .native

    /// Creates host settings.
    public init(
        maxWorkers: Int = 64, idlePollInterval: Duration = .seconds(1), shutdownGracePeriod: Duration = .seconds(10),
        idempotencyWindow: Duration = .seconds(300)
    ) {
        self.maxWorkers = maxWorkers
        self.idlePollInterval = idlePollInterval
        self.shutdownGracePeriod = shutdownGracePeriod
        self.idempotencyWindow = idempotencyWindow
    }
}
