import Foundation

/// AWS Lambda + SQS event source mapping values (platforms.md §6, §7).
///
/// Sources: docs `lambda/latest/dg/services-sqs-parameters`, `services-sqs-scaling`,
/// `services-sqs-errorhandling`, `with-sqs`; SQS `SetQueueAttributes` reference.
enum LambdaSQSRules {
    /// `BatchSize` default.
    static let defaultBatchSize = 10
    /// `BatchSize` maximum for a standard queue.
    static let maximumBatchSize = 10_000
    /// `BatchSize` maximum for a FIFO queue (and without a batching window).
    static let maximumFIFOBatchSize = 10
    /// `MaximumBatchingWindowInSeconds` maximum.
    static let maximumBatchingWindow = Duration.seconds(300)
    /// The payload cap of one invocation: a batch is cut before its bodies exceed it.
    static let maximumPayloadBytes = 6 * 1024 * 1024
    /// The longest function timeout.
    static let maximumFunctionTimeout = Duration.seconds(900)
    /// Queue `VisibilityTimeout` default.
    static let defaultVisibilityTimeout = Duration.seconds(30)
    /// Concurrent batches when a mapping starts polling.
    static let initialConcurrency = 5
    /// Concurrent batches added per minute while messages remain.
    static let concurrencyAddedPerMinute = 300
    /// Concurrent batches per event source mapping at most.
    static let maximumConcurrency = 1_000
    /// The suffix of an SQS FIFO queue name.
    static let fifoSuffix = ".fifo"
    /// The region and account the local event JSON names (LocalStack's account).
    static let region = "us-east-1"
    /// The account id in local ARNs.
    static let accountID = "000000000000"
}

/// Azure Functions Storage Queue trigger values, extension 5.x (platforms.md §2, §4).
///
/// Sources: `QueuesOptions.cs`, `QueueListener.cs`, `QueueProcessor.cs`,
/// `QueueTargetScaler.cs` (Azure/azure-sdk-for-net); docs
/// `functions-bindings-storage-queue-trigger.md`, `functions-target-based-scaling.md`.
enum AzureStorageQueueRules {
    /// `batchSize` default (`DefaultBatchSize`).
    static let defaultBatchSize = 16
    /// `batchSize` maximum (`MaxBatchSize`, the Storage API's GetMessages limit).
    static let maximumBatchSize = 32
    /// `newBatchThreshold` default on one vCPU: `(batchSize / 2) × processorCount`.
    static func defaultNewBatchThreshold(batchSize: Int, processors: Int = 1) -> Int { (batchSize / 2) * processors }
    /// `maxDequeueCount` default (`DefaultMaxDequeueCount`), the first try included.
    static let defaultMaxDequeueCount = 5
    /// `visibilityTimeout` default: the delay before a failed message is visible again.
    static let defaultRetryDelay = Duration.zero
    /// The visibility a message is received with; renewed while the function runs.
    static let lease = Duration.seconds(600)
    /// The shortest renewal interval of the lease timer.
    static let minimumRenewalInterval = Duration.seconds(60)
    /// The poison queue suffix.
    static let poisonSuffix = "-poison"
    /// Queue names: 3–63 characters (†, Storage naming rules).
    static let queueNameLengths = 3...63
    /// Instances added per target-based scaling decision at most.
    static let maximumScaleOutPerDecision = 4
}

/// Azure Functions Service Bus trigger values, extension 5.x (platforms.md §3).
///
/// Sources: `ServiceBusOptions.cs` (Azure/azure-sdk-for-net), `QueueProperties` docs.
enum AzureServiceBusRules {
    /// Messages per invocation in single-dispatch mode.
    static let defaultBatchSize = 1
    /// `maxMessageBatchSize` default for batch functions.
    static let maximumBatchSize = 1_000
    /// Entity `MaxDeliveryCount` default.
    static let defaultMaxDeliveryCount = 10
    /// Entity `LockDuration` default (†).
    static let defaultLockDuration = Duration.seconds(60)
    /// Entity `LockDuration` maximum (†).
    static let maximumLockDuration = Duration.seconds(300)
    /// `maxAutoLockRenewalDuration` default.
    static let maximumAutoLockRenewal = Duration.seconds(300)
    /// `maxBatchWaitTime` maximum.
    static let maximumBatchWait = Duration.seconds(150)
    /// The dead-letter sub-queue, `<entity>/$DeadLetterQueue`, as a queue name this
    /// runtime can store (`/` and `$` are not allowed in queue names).
    static let deadLetterSuffix = "-deadletter"
}

/// KEDA ScaledObject and HPA defaults (platforms.md §9; keda-docs `scaledobject-spec.md`,
/// Kubernetes `HPAScalingRules`).
enum KEDARules {
    /// HPA sync period.
    static let syncPeriod = Duration.seconds(15)
    /// HPA default scale-down stabilization window.
    static let scaleDownStabilization = Duration.seconds(300)
    /// `cooldownPeriod` before scaling 1 → 0.
    static let cooldownPeriod = Duration.seconds(300)
    /// The `queueLength` target of the azure-queue and aws-sqs-queue scalers.
    static let queueLength = 5
    /// HPA tolerance.
    static let tolerance = 0.1
    /// Default scale-up: at most +4 pods or +100 % per sync period, whichever is more.
    static let scaleUpPods = 4
    /// `maxReplicaCount` default.
    static let maxReplicaCount = 100
}
