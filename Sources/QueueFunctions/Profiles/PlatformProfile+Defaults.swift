import Foundation

/// The values a profile gives a function and its queue, and its retry timing.
extension PlatformProfile {
    /// The lease a received message gets unless `visibility_timeout` is written:
    /// Azure Storage Queue receives with 10 minutes, Service Bus locks for `LockDuration` 1 minute.
    var defaultLease: Duration? {
        if isAzureStorageQueue { return AzureStorageQueueRules.lease }
        if isAzureServiceBus { return AzureServiceBusRules.defaultLockDuration }
        return nil
    }

    /// Receives before dead-lettering unless `max_receive_count` is written:
    /// `maxDequeueCount` 5 (Storage Queue), `MaxDeliveryCount` 10 (Service Bus).
    var defaultMaxReceiveCount: Int? {
        if isAzureStorageQueue { return AzureStorageQueueRules.defaultMaxDequeueCount }
        if isAzureServiceBus { return AzureServiceBusRules.defaultMaxDeliveryCount }
        return nil
    }

    /// The dead-letter queue suffix unless `dead_letter_queue` is written.
    var deadLetterSuffix: String? {
        if isAzureStorageQueue { return AzureStorageQueueRules.poisonSuffix }
        if isAzureServiceBus { return AzureServiceBusRules.deadLetterSuffix }
        return nil
    }

    /// The backlog one worker stands for in the platform's scaling formula: one batch
    /// per concurrent Lambda invocation; `batchSize + newBatchThreshold` per Azure
    /// Storage Queue instance ([code] `QueueTargetScaler.cs`); `maxConcurrentCalls` 16
    /// (single dispatch) or the batch size (batch functions) per Service Bus instance.
    func targetExecutionsPerWorker(batchSize: Int, newBatchThreshold: Int?) -> Int {
        if isAzureStorageQueue {
            return batchSize + (newBatchThreshold ?? AzureStorageQueueRules.defaultNewBatchThreshold(batchSize: batchSize))
        }
        if isAzureServiceBus { return batchSize == 1 ? 16 : batchSize }
        return max(1, batchSize)
    }

    /// Whether each message of a batch is its own invocation (the Storage Queue trigger;
    /// Service Bus batches only when `batch_size` > 1, as a batch function).
    var invokesPerMessage: Bool { isAzureStorageQueue }

    /// The delay before a failed message is visible again, or nil for the function's
    /// exponential backoff (`native`).
    ///
    /// - Lambda + SQS: nothing is retried early; the message reappears when the
    ///   visibility timeout of its receive runs out (`services-sqs-errorhandling`).
    /// - Azure Storage Queue: `UpdateMessage(visibility = visibilityTimeout)`, a fixed
    ///   delay (`retry.initial_delay`, default 0) with no growth (`QueueProcessor.cs`).
    /// - Service Bus: Abandon, redelivered at once.
    func retryDelay(for lease: Lease, retry: RetryPolicy, now: Date) -> Duration? {
        if isLambda { return max(.zero, lease.expiresAt.duration(since: now)) }
        if isAzureStorageQueue { return retry.initialDelay }
        if isAzureServiceBus { return .zero }
        return nil
    }
}
