/// Warnings: settings that work but go against the advice of the platforms this
/// runtime imitates (AWS Lambda with SQS, Azure Functions queue triggers).
extension ManifestValidator {
    /// AWS's advice for a queue's visibility timeout: this many times the function timeout, plus the batching window.
    static let visibilityTimeoutFactor = 6
    /// AWS's advice for `maxReceiveCount` when a queue feeds a Lambda function.
    static let advisedMinimumReceiveCount = 5
    /// The largest batch Lambda accepts without a batching window.
    static let largestBatchWithoutWindow = 10

    /// Adds every warning.
    mutating func lint() {
        lintQueues()
        lintFunctions()
        lintTopics()
    }

    private mutating func lintQueues() {
        let triggered = Set(draft.functions.compactMap(\.queue))
        let fed = Set(draft.producers.compactMap(\.queue)).union(subscribedQueues)
        for queue in draft.queues {
            guard let name = queue.name else { continue }
            let countPath = JSONPath.member(queue.path, "max_receive_count")
            if draft.isWritten(countPath), queue.maxReceiveCount < Self.advisedMinimumReceiveCount {
                report(.warning, .lowMaxReceiveCount, countPath,
                       "max_receive_count \(queue.maxReceiveCount) dead-letters a message after only \(queue.maxReceiveCount) receive(s)",
                       "AWS advises at least \(Self.advisedMinimumReceiveCount), so a few transient failures do not dead-letter a message; set max_receive_count to \(Self.advisedMinimumReceiveCount) or more")
            }
            if !triggered.contains(name), !fed.contains(name), !plan.deadLetterTargets.contains(name) {
                report(.warning, .unusedQueue, JSONPath.member(queue.path, "name"),
                       "queue \(JSONText.string(name)) is not triggered by any function, fed by any producer or topic, or used as a dead-letter queue",
                       "add a function with \"trigger\": {\"queue\": \(JSONText.string(name))}, or remove the queue")
            }
        }
    }

    private mutating func lintFunctions() {
        for function in draft.functions {
            let triggerPath = JSONPath.member(function.path, "trigger")
            // Lambda's advice; the aws-lambda-sqs profile makes it an error, Azure has no such rule.
            let profile = draft.profile(of: function)
            if profile == .native, function.batchSize > Self.largestBatchWithoutWindow, function.batchingWindow == .zero {
                report(.warning, .batchWithoutWindow, JSONPath.member(triggerPath, "batch_size"),
                       "batch_size \(function.batchSize) is over \(Self.largestBatchWithoutWindow) with no batching_window, so batches leave as soon as one message is in hand and rarely fill",
                       "set trigger.batching_window, for example \"1s\" (Lambda requires one for batches over \(Self.largestBatchWithoutWindow)), or lower batch_size to \(Self.largestBatchWithoutWindow)")
            }
            guard !profile.isAzure, let queueName = function.queue, let queue = declaredQueue(named: queueName) else { continue }
            let advised = function.timeout * Self.visibilityTimeoutFactor + function.batchingWindow
            // Shorter than the timeout plus the window is an error, reported by the validator.
            guard queue.visibilityTimeout >= function.timeout + function.batchingWindow, queue.visibilityTimeout < advised else { continue }
            let functionName = function.name.map(JSONText.string) ?? function.path
            report(.warning, .visibilityTimeoutBelowAdvice, JSONPath.member(queue.path, "visibility_timeout"),
                   "visibility_timeout \(DurationText.format(queue.visibilityTimeout)) of queue \(JSONText.string(queueName)) is less than "
                       + "\(Self.visibilityTimeoutFactor) × the \(DurationText.format(function.timeout)) timeout of function \(functionName) "
                       + "+ its \(DurationText.format(function.batchingWindow)) batching window",
                   "AWS advises at least \(Self.visibilityTimeoutFactor)× the function timeout plus the batching window, so retries after throttling or a slow start do not redeliver; set visibility_timeout to \(DurationText.format(advised)) or more")
        }
    }
}
