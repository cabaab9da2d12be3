import Foundation
import Testing
@testable import QueueFunctions

/// Each platform's parameter checks (platforms.md §2.1, §2.4, §3, §6.1, §6.3, §7),
/// phrased as the platform phrases them.
@Suite("Platform profiles: manifest rules")
struct ProfileManifestTests {
    // MARK: Profile keys

    @Test("an unknown profile is refused with a did-you-mean")
    func unknownProfile() throws {
        let errors = diagnostics(profileManifest("aws-lambda-sq"))
        let error = try #require(errors.first { $0.kind == .unknownProfile })
        #expect(error.path == "$.functions[0].profile")
        #expect(error.fix.contains(#"did you mean "aws-lambda-sqs"?"#))
    }

    @Test("the host's profile is every function's default, and a function's own profile overrides it")
    func hostProfileIsTheDefault() throws {
        let json = """
        {"host": {"profile": "azure-storage-queue"},
         "queues": [{"name": "jobs"}, {"name": "other"}],
         "functions": [{"name": "a", "handler": "A", "trigger": {"queue": "jobs"}},
                       {"name": "b", "handler": "B", "trigger": {"queue": "other"}, "profile": "native"}]}
        """
        let manifest = try loadManifest(json).manifest
        #expect(manifest.function(named: "a")?.profile == .azureStorageQueue)
        #expect(manifest.function(named: "b")?.profile == .native)
        #expect(manifest.queue(named: "jobs")?.deadLetterQueue == "jobs-poison")
        #expect(manifest.queue(named: "other")?.deadLetterQueue == "other-dlq")
    }

    @Test("report_batch_item_failures exists only under aws-lambda-sqs")
    func reportBatchItemFailuresIsLambdaOnly() {
        let errors = diagnostics(profileManifest("azure-storage-queue", trigger: #""report_batch_item_failures": true"#))
        #expect(errors.contains { $0.kind == .platformRule && $0.path.hasSuffix("report_batch_item_failures") })
        #expect(diagnostics(profileManifest("aws-lambda-sqs", trigger: #""report_batch_item_failures": true"#)).isEmpty)
    }

    // MARK: AWS Lambda + SQS

    @Test("Lambda: a queue visibility timeout below the function timeout is refused as CreateEventSourceMapping refuses it (services-sqs-configure)")
    func lambdaVisibilityBelowTimeout() throws {
        let errors = diagnostics(profileManifest("aws-lambda-sqs", queue: #""visibility_timeout": "10s""#, function: #""timeout": "30s""#))
        let error = try #require(errors.first { $0.kind == .visibilityTimeoutTooShort })
        #expect(error.message.hasPrefix("InvalidParameterValueException: Queue visibility timeout: 10 seconds is less than Function timeout: 30 seconds"))
        #expect(errors.count == 1)
    }

    @Test("Lambda: batch_size over 10 needs a batching window of at least 1 s (services-sqs-parameters)")
    func lambdaLargeBatchNeedsWindow() throws {
        let errors = diagnostics(profileManifest("aws-lambda-sqs", trigger: #""batch_size": 100"#))
        #expect(errors.contains { $0.message == "InvalidParameterValueException: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10" })
        #expect(diagnostics(profileManifest("aws-lambda-sqs", trigger: #""batch_size": 100, "batching_window": "1s""#)).isEmpty)
        #expect(diagnostics(profileManifest("native", trigger: #""batch_size": 100"#)).isEmpty)
    }

    @Test("Lambda: MaximumBatchingWindowInSeconds is whole seconds (services-sqs-parameters)")
    func lambdaWindowWholeSeconds() {
        let errors = diagnostics(profileManifest("aws-lambda-sqs", trigger: #""batching_window": "500ms""#))
        #expect(errors.contains { $0.path.hasSuffix("batching_window") && $0.message.contains("whole number of seconds") })
    }

    @Test("Lambda: a function timeout is at most 900 s")
    func lambdaTimeoutAtMost900() {
        let errors = diagnostics(profileManifest("aws-lambda-sqs", queue: #""visibility_timeout": "2h""#, function: #""timeout": "16m""#))
        #expect(errors.contains { $0.path == "$.functions[0].timeout" && $0.message.contains("less than or equal to 900") })
    }

    @Test("Lambda: an SQS VisibilityTimeout is whole seconds (SQS SetQueueAttributes)")
    func lambdaVisibilityWholeSeconds() {
        let errors = diagnostics(profileManifest("aws-lambda-sqs", queue: #""visibility_timeout": "30.5s""#))
        #expect(errors.contains { $0.path == "$.queues[0].visibility_timeout" && $0.message.contains("whole number of seconds") })
    }

    // MARK: Azure Storage Queue

    @Test("Azure Storage Queue: batchSize is at most 32 (QueuesOptions.MaxBatchSize)")
    func azureBatchAtMost32() {
        let errors = diagnostics(profileManifest("azure-storage-queue", trigger: #""batch_size": 33"#))
        #expect(errors.contains { $0.kind == .platformRule && $0.message.hasPrefix("batchSize 33 is out of range") })
        #expect(diagnostics(profileManifest("azure-storage-queue", trigger: #""batch_size": 32"#)).isEmpty)
    }

    @Test("Azure Storage Queue: defaults are batchSize 16, a 10-minute lease, maxDequeueCount 5, an immediate retry and <queue>-poison (QueuesOptions.cs)")
    func azureDefaults() throws {
        let manifest = try loadManifest(profileManifest("azure-storage-queue")).manifest
        let function = try #require(manifest.function(named: "work"))
        let queue = try #require(manifest.queue(named: "jobs"))
        #expect(function.trigger.batchSize == 16)
        #expect(function.retry.initialDelay == .zero)
        #expect(function.scale.rules == .azureTargetBased)
        #expect(function.scale.targetBacklogPerWorker == 24)  // batchSize 16 + newBatchThreshold 8 (QueueTargetScaler.cs)
        #expect(queue.visibilityTimeout == .seconds(600))
        #expect(queue.maxReceiveCount == 5)
        #expect(queue.deadLetterQueue == "jobs-poison")
        #expect(manifest.queue(named: "jobs-poison") != nil)
    }

    @Test("Azure Storage Queue: queue names are 3–63 lowercase letters, digits and single hyphens")
    func azureQueueNames() {
        let json = """
        {"queues": [{"name": "Import_Jobs"}],
         "functions": [{"name": "work", "handler": "Worker", "trigger": {"queue": "Import_Jobs"}, "profile": "azure-storage-queue"}]}
        """
        let errors = diagnostics(json)
        #expect(errors.contains { $0.kind == .invalidQueueName && $0.fix.contains(#""import-jobs""#) })
    }

    @Test("Azure Storage Queue: a name too long for -poison gets no poison queue, so it is refused (QueueProcessor.cs)")
    func azurePoisonNameTooLong() {
        let name = String(repeating: "a", count: 60)
        let json = """
        {"queues": [{"name": "\(name)", "dead_letter_queue": "short-dlq"}],
         "functions": [{"name": "work", "handler": "Worker", "trigger": {"queue": "\(name)"}, "profile": "azure-storage-queue"}]}
        """
        #expect(diagnostics(json).contains { $0.message.contains("too long to append -poison") })
    }

    @Test("new_batch_threshold sets the Azure scale target batchSize + newBatchThreshold (QueueTargetScaler.cs)")
    func azureNewBatchThreshold() throws {
        let manifest = try loadManifest(profileManifest("azure-storage-queue", trigger: #""batch_size": 10, "new_batch_threshold": 30"#)).manifest
        #expect(manifest.function(named: "work")?.scale.targetBacklogPerWorker == 40)
        #expect(diagnostics(profileManifest("native", trigger: #""new_batch_threshold": 3"#)).contains { $0.kind == .platformRule })
    }

    // MARK: Azure Service Bus

    @Test("Service Bus: defaults are one message per invocation, a 1-minute lock, MaxDeliveryCount 10 (ServiceBusOptions.cs, QueueProperties)")
    func serviceBusDefaults() throws {
        let manifest = try loadManifest(profileManifest("azure-service-bus")).manifest
        #expect(manifest.function(named: "work")?.trigger.batchSize == 1)
        #expect(manifest.queue(named: "jobs")?.visibilityTimeout == .seconds(60))
        #expect(manifest.queue(named: "jobs")?.maxReceiveCount == 10)
        #expect(manifest.queue(named: "jobs")?.deadLetterQueue == "jobs-deadletter")
    }

    @Test("Service Bus: LockDuration is at most 5 minutes")
    func serviceBusLockAtMost5Minutes() {
        let errors = diagnostics(profileManifest("azure-service-bus", queue: #""visibility_timeout": "6m""#))
        #expect(errors.contains { $0.message.hasPrefix("LockDuration 6m is out of range") })
    }

    @Test("Service Bus: maxBatchWaitTime is at most half the lock duration")
    func serviceBusBatchWait() {
        let errors = diagnostics(profileManifest("azure-service-bus", trigger: #""batch_size": 50, "batching_window": "40s""#))
        #expect(errors.contains { $0.message.hasPrefix("maxBatchWaitTime 40s is too long") })
    }

    @Test("Service Bus: batch functions get no lock renewal, so a timeout past the lock is a warning")
    func serviceBusBatchNoRenewal() {
        let warnings = diagnostics(profileManifest("azure-service-bus", function: #""timeout": "2m""#, trigger: #""batch_size": 10"#), .warning)
        #expect(warnings.contains { $0.kind == .platformRule && $0.message.hasPrefix("batch functions get no automatic lock renewal") })
    }
}
