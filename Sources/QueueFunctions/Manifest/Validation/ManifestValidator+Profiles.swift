import Foundation

/// The parameter checks of each platform profile, phrased as the platform phrases
/// them, followed by our fix. Sources: platforms.md §2.1, §2.4, §3, §6.1, §6.3, §7.
extension ManifestValidator {
    /// Checks every function against its profile's rules.
    mutating func checkProfiles() {
        for function in draft.functions {
            let profile = draft.profile(of: function)
            let queue = function.queue.flatMap { declaredQueue(named: $0) }
            checkPlatformOnlyKeys(function, profile: profile)
            if profile.isLambda { checkLambda(function, queue: queue) }
            if profile.isAzureStorageQueue { checkAzureStorageQueue(function) }
            if profile.isAzureServiceBus { checkAzureServiceBus(function, queue: queue) }
        }
    }

    private func triggerPath(_ function: ManifestDraft.Function, _ key: String) -> String {
        JSONPath.member(JSONPath.member(function.path, "trigger"), key)
    }

    private func seconds(_ duration: Duration) -> String { ManifestDecoder.format(duration.timeInterval) }

    private mutating func checkPlatformOnlyKeys(_ function: ManifestDraft.Function, profile: PlatformProfile) {
        let reportPath = triggerPath(function, "report_batch_item_failures")
        if draft.isWritten(reportPath), !profile.isLambda {
            report(.error, .platformRule, reportPath,
                   "report_batch_item_failures is Lambda's FunctionResponseTypes setting; profile \(JSONText.string(profile.name)) has no such setting",
                   "remove it, or set \"profile\": \"aws-lambda-sqs\" on the function")
        }
        let thresholdPath = triggerPath(function, "new_batch_threshold")
        if draft.isWritten(thresholdPath), !profile.isAzureStorageQueue {
            report(.error, .platformRule, thresholdPath,
                   "new_batch_threshold is the Azure Storage Queue trigger's newBatchThreshold; profile \(JSONText.string(profile.name)) has no such setting",
                   "remove it, or set \"profile\": \"azure-storage-queue\" on the function")
        }
    }

    // MARK: AWS Lambda + SQS

    private mutating func checkLambda(_ function: ManifestDraft.Function, queue: ManifestDraft.Queue?) {
        let timeoutPath = JSONPath.member(function.path, "timeout")
        if function.timeout > LambdaSQSRules.maximumFunctionTimeout {
            report(.error, .platformRule, timeoutPath,
                   "InvalidParameterValueException: Value '\(seconds(function.timeout))' at 'timeout' failed to satisfy constraint: "
                       + "Member must have value less than or equal to \(seconds(LambdaSQSRules.maximumFunctionTimeout))",
                   "lower timeout to at most 15m, or split the work into smaller messages")
        }
        let windowPath = triggerPath(function, "batching_window")
        let window = function.batchingWindow
        // The 0–300 s range of MaximumBatchingWindowInSeconds is checked for every profile (InputLimits).
        if window.timeInterval.rounded() != window.timeInterval {
            report(.error, .platformRule, windowPath,
                   "MaximumBatchingWindowInSeconds is a whole number of seconds; batching_window \(DurationText.format(window)) cannot be configured on Lambda",
                   "round batching_window to whole seconds, such as \"\(Int(window.timeInterval.rounded(.up)))s\"")
        }
        if queue?.delivery.fifo == true {
            checkLambdaFIFO(function)
        } else if function.batchSize > LambdaSQSRules.maximumFIFOBatchSize, window < .seconds(1) {
            report(.error, .platformRule, triggerPath(function, "batch_size"),
                   "InvalidParameterValueException: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
                   "set trigger.batching_window to at least \"1s\", or lower batch_size to 10")
        }
        guard let queueName = function.queue else { return }
        let visibility = queue?.visibilityTimeout ?? LambdaSQSRules.defaultVisibilityTimeout
        if visibility < function.timeout {
            let advised = DurationText.format(function.timeout * ManifestValidator.visibilityTimeoutFactor + window)
            let path = queue.map { JSONPath.member($0.path, "visibility_timeout") } ?? timeoutPath
            report(.error, .visibilityTimeoutTooShort, path,
                   "InvalidParameterValueException: Queue visibility timeout: \(seconds(visibility)) seconds is less than "
                       + "Function timeout: \(seconds(function.timeout)) seconds (queue \(JSONText.string(queueName)))",
                   "raise the queue's visibility_timeout to at least \(DurationText.format(function.timeout)); AWS advises \(advised) (6× the timeout + the batching window)")
        }
        if let queue, visibility.timeInterval.rounded() != visibility.timeInterval {
            report(.error, .platformRule, JSONPath.member(queue.path, "visibility_timeout"),
                   "VisibilityTimeout is a whole number of seconds; \(DurationText.format(visibility)) cannot be set on an SQS queue",
                   "round visibility_timeout to whole seconds, such as \"\(Int(visibility.timeInterval.rounded(.up)))s\"")
        }
    }

    /// A FIFO queue's event source mapping: `BatchSize` 1–10, no batching window
    /// (services-sqs-parameters; platforms.md §6.1).
    private mutating func checkLambdaFIFO(_ function: ManifestDraft.Function) {
        let maximum = LambdaSQSRules.maximumFIFOBatchSize
        if function.batchSize > maximum {
            report(.error, .platformRule, triggerPath(function, "batch_size"),
                   "InvalidParameterValueException: Value '\(function.batchSize)' at 'batchSize' failed to satisfy constraint: "
                       + "Member must have value less than or equal to \(maximum) for an SQS FIFO queue",
                   "lower batch_size to at most \(maximum): Lambda reads a FIFO queue 10 messages at a time")
        }
        if function.batchingWindow > .zero {
            report(.error, .platformRule, triggerPath(function, "batching_window"),
                   "InvalidParameterValueException: MaximumBatchingWindowInSeconds is not supported for an SQS FIFO queue",
                   "remove trigger.batching_window: a FIFO queue's batches are sent as soon as they are read")
        }
    }

    // MARK: Azure Storage Queue

    private mutating func checkAzureStorageQueue(_ function: ManifestDraft.Function) {
        let maximum = AzureStorageQueueRules.maximumBatchSize
        if function.batchSize > maximum {
            report(.error, .platformRule, triggerPath(function, "batch_size"),
                   "batchSize \(function.batchSize) is out of range: the Storage Queue trigger fetches 1 to \(maximum) messages per GetMessages call (QueuesOptions.MaxBatchSize)",
                   "set batch_size to at most \(maximum); raise new_batch_threshold for more messages in flight")
        }
        guard let name = function.queue else { return }
        let lengths = AzureStorageQueueRules.queueNameLengths
        let queuePath = JSONPath.member(JSONPath.member(function.path, "trigger"), "queue")
        if !Self.isAzureQueueName(name) {
            report(.error, .invalidQueueName, queuePath,
                   "queue \(JSONText.string(name)) is not a valid Azure Storage queue name: \(lengths.lowerBound)–\(lengths.upperBound) "
                       + "lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
                   "rename it, such as \(JSONText.string(Self.suggestedAzureName(name)))")
        } else if name.hasSuffix(AzureStorageQueueRules.poisonSuffix) {
            report(.error, .platformRule, queuePath,
                   "queue \(JSONText.string(name)) ends in -poison, so the Storage Queue trigger creates no poison queue for it: failed messages stay invisible (10-minute lease) instead of moving",
                   "rename the queue so it does not end in -poison")
        } else if name.count + AzureStorageQueueRules.poisonSuffix.count > lengths.upperBound {
            report(.error, .platformRule, queuePath,
                   "queue \(JSONText.string(name)) is too long to append -poison (\(name.count) + 7 > \(lengths.upperBound) characters), so the Storage Queue trigger creates no poison queue: failed messages stay invisible instead of moving",
                   "shorten the queue name to at most \(lengths.upperBound - 7) characters")
        }
    }

    /// Whether `name` follows the Storage queue naming rules.
    static func isAzureQueueName(_ name: String) -> Bool {
        guard AzureStorageQueueRules.queueNameLengths.contains(name.count), !name.contains("--"),
              !name.hasPrefix("-"), !name.hasSuffix("-") else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    private static func suggestedAzureName(_ name: String) -> String {
        var text = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        while text.contains("--") { text = text.replacingOccurrences(of: "--", with: "-") }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        while text.count < 3 { text += "q" }
        return String(text.prefix(56))
    }

    // MARK: Azure Service Bus

    private mutating func checkAzureServiceBus(_ function: ManifestDraft.Function, queue: ManifestDraft.Queue?) {
        let lock = queue?.visibilityTimeout ?? AzureServiceBusRules.defaultLockDuration
        let lockPath = queue.map { JSONPath.member($0.path, "visibility_timeout") } ?? JSONPath.member(function.path, "timeout")
        if lock > AzureServiceBusRules.maximumLockDuration {
            report(.error, .platformRule, lockPath,
                   "LockDuration \(DurationText.format(lock)) is out of range: a Service Bus queue's lock duration is at most 5 minutes",
                   "set the queue's visibility_timeout (the lock duration) to at most \"5m\"; the trigger renews the lock while the function runs")
        }
        let waitPath = triggerPath(function, "batching_window")
        let window = function.batchingWindow
        if window > AzureServiceBusRules.maximumBatchWait || window.timeInterval > lock.timeInterval / 2 {
            report(.error, .platformRule, waitPath,
                   "maxBatchWaitTime \(DurationText.format(window)) is too long: it may be at most 2m30s and at most half the lock duration (\(DurationText.format(lock)))",
                   "set batching_window to at most \(DurationText.format(min(AzureServiceBusRules.maximumBatchWait, lock / 2)))")
        }
        if function.batchSize > 1, function.timeout > lock {
            report(.warning, .platformRule, JSONPath.member(function.path, "timeout"),
                   "batch functions get no automatic lock renewal (maxAutoLockRenewalDuration applies to single dispatch only), so a batch running past the \(DurationText.format(lock)) lock is delivered again",
                   "keep timeout at most the lock duration \(DurationText.format(lock)), or set batch_size to 1")
        } else if function.batchSize == 1, function.timeout > AzureServiceBusRules.maximumAutoLockRenewal {
            report(.warning, .platformRule, JSONPath.member(function.path, "timeout"),
                   "the lock is renewed for at most maxAutoLockRenewalDuration 5m, so an invocation running past it loses its lock and the message is delivered again",
                   "keep timeout at most \"5m\"")
        }
    }
}
