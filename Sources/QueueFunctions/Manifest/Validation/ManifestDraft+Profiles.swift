/// Platform-profile defaults: values a function's profile changes when the manifest
/// does not write them, so `"profile": "azure-storage-queue"` alone gives Azure's
/// `batchSize` 16, its 10-minute lease, `maxDequeueCount` 5 and `<queue>-poison`.
extension ManifestDraft {
    /// The profile `function` runs under: its own, else the host's.
    func profile(of function: Function) -> PlatformProfile {
        function.profile ?? host.profile
    }

    /// Fills in each profile's defaults for keys the file does not write.
    mutating func applyProfileDefaults() {
        for index in functions.indices {
            let function = functions[index]
            let profile = profile(of: function)
            guard profile != .native else { continue }
            let path = function.path
            let trigger = JSONPath.member(path, "trigger")
            let batchPath = JSONPath.member(trigger, "batch_size")
            if !isWritten(batchPath) {
                if profile.isAzureStorageQueue { functions[index].batchSize = AzureStorageQueueRules.defaultBatchSize }
                if profile.isAzureServiceBus { functions[index].batchSize = AzureServiceBusRules.defaultBatchSize }
            }
            if profile.isAzure, !isWritten(JSONPath.member(path, "retry")) {
                // host.json visibilityTimeout 0 (Storage Queue); abandon redelivers at once (Service Bus).
                functions[index].retry = RetryPolicy(initialDelay: .zero, maxDelay: .zero, multiplier: 1, jitter: 0)
            }
            let batch = functions[index].batchSize
            let scale = JSONPath.member(path, "scale")
            functions[index].scale.rules = profile.isLambda ? .awsLambda : .azureTargetBased
            if !isWritten(JSONPath.member(scale, "target_backlog_per_worker")) {
                functions[index].scale.targetBacklogPerWorker = profile.targetExecutionsPerWorker(
                    batchSize: batch, newBatchThreshold: functions[index].newBatchThreshold
                )
            }
            guard let queueName = function.queue, let queueIndex = queues.firstIndex(where: { $0.name == queueName }) else { continue }
            let queuePath = queues[queueIndex].path
            if !isWritten(JSONPath.member(queuePath, "visibility_timeout")), let lease = profile.defaultLease {
                queues[queueIndex].visibilityTimeout = lease
            }
            if !isWritten(JSONPath.member(queuePath, "max_receive_count")), let count = profile.defaultMaxReceiveCount {
                queues[queueIndex].maxReceiveCount = count
            }
            if !isWritten(JSONPath.member(queuePath, "dead_letter_queue")), let suffix = profile.deadLetterSuffix {
                queues[queueIndex].deadLetterQueue = queueName + suffix
            }
        }
    }
}

extension FunctionConfig {
    /// Copies the profile and the platform trigger keys of `function` from `draft`.
    mutating func applyProfile(of function: ManifestDraft.Function, in draft: ManifestDraft) {
        profile = draft.profile(of: function)
        trigger.reportBatchItemFailures = function.reportBatchItemFailures
        trigger.newBatchThreshold = function.newBatchThreshold
    }
}
