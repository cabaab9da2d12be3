import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// Retry timing, batch responses and dead-lettering per profile, on TestHost + ManualClock
/// (platforms.md §2.2, §3, §6.3).
@Suite("Platform profiles: retries and dead letters")
struct ProfileRetryTests {
    // MARK: AWS Lambda + SQS

    @Test("Lambda: a failed message reappears when its visibility timeout runs out, with no backoff (services-sqs-errorhandling)")
    func lambdaRetryAfterVisibilityTimeout() async throws {
        let recorder = Recorder()
        let host = try profileHost(FlakyFunction(recorder: recorder, failures: 1),
                                   manifest: profileManifest("aws-lambda-sqs", queue: #""visibility_timeout": "30s""#))
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        try await host.advance(by: .seconds(29))
        #expect(recorder.count == 1)
        try await host.advance(by: .seconds(1))
        #expect(recorder.count == 2)
        #expect(recorder.all.map(\.receiveCount) == [1, 2])
        await host.shutdown()
    }

    @Test("Lambda: a function error fails the whole batch, items settled before the throw included (services-sqs-errorhandling)")
    func lambdaThrowFailsWholeBatch() async throws {
        let recorder = Recorder()
        let host = try profileHost(ScriptedBatchFunction(recorder: recorder, throwAfterSettling: true),
                                   manifest: profileManifest("aws-lambda-sqs", trigger: #""report_batch_item_failures": true"#))
        try await sendTogether([1, 2], to: host)
        try await host.settle()
        #expect(try await host.stats("jobs").inFlight + host.stats("jobs").delayed == 2)
        try await host.advance(by: .seconds(30))
        #expect(recorder.all.filter { $0.receiveCount == 2 }.count == 2)
        await host.shutdown()
    }

    @Test("Lambda: without ReportBatchItemFailures one failed item fails the whole batch (services-sqs-errorhandling)")
    func lambdaWithoutReportBatchItemFailures() async throws {
        let recorder = Recorder()
        let host = try profileHost(ScriptedBatchFunction(recorder: recorder, fail: [2]), manifest: profileManifest("aws-lambda-sqs"))
        try await sendTogether([1, 2], to: host)
        try await host.settle()
        #expect(host.metrics().succeeded == 0)
        try await host.advance(by: .seconds(30))
        #expect(recorder.all.filter { $0.receiveCount == 2 }.map(\.number).sorted() == [1, 2])
        await host.shutdown()
    }

    @Test("Lambda: with ReportBatchItemFailures only the listed items come back (services-sqs-errorhandling)")
    func lambdaWithReportBatchItemFailures() async throws {
        let recorder = Recorder()
        let host = try profileHost(ScriptedBatchFunction(recorder: recorder, fail: [2]),
                                   manifest: profileManifest("aws-lambda-sqs", trigger: #""report_batch_item_failures": true"#))
        try await sendTogether([1, 2], to: host)
        try await host.settle()
        try await host.advance(by: .seconds(30))
        #expect(recorder.all.filter { $0.receiveCount == 2 }.map(\.number) == [2])
        await host.shutdown()
    }

    @Test("Lambda: an item identifier that is not in the batch makes the response invalid: the whole batch fails (services-sqs-errorhandling)")
    func lambdaInvalidResponseFailsBatch() async throws {
        let recorder = Recorder()
        let function = ScriptedBatchFunction(recorder: recorder, foreignID: MessageID("not-in-this-batch"))
        let host = try profileHost(function, manifest: profileManifest("aws-lambda-sqs", trigger: #""report_batch_item_failures": true"#))
        try await sendTogether([1, 2], to: host)
        try await host.settle()
        #expect(host.metrics().succeeded == 0)
        try await host.advance(by: .seconds(30))
        #expect(recorder.all.filter { $0.receiveCount == 2 }.count == 2)
        await host.shutdown()
    }

    @Test("Lambda: a function cannot dead-letter an item; SQS moves it only after maxReceiveCount receives (RedrivePolicy)")
    func lambdaNoDirectDeadLetter() async throws {
        let recorder = Recorder()
        let host = try profileHost(ScriptedBatchFunction(recorder: recorder, deadLetter: [1]),
                                   manifest: profileManifest("aws-lambda-sqs", queue: #""max_receive_count": 2"#,
                                                             trigger: #""report_batch_item_failures": true"#))
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        #expect(try await host.deadLetters(of: "jobs").isEmpty)
        try await host.advance(by: .seconds(30))
        #expect(recorder.count == 2)
        #expect(try await host.deadLetters(of: "jobs").count == 1)
        await host.shutdown()
    }

    @Test("Lambda: a body the handler cannot decode is a function error, so the whole batch fails and comes back after the visibility timeout")
    func lambdaUndecodableFailsBatch() async throws {
        let recorder = Recorder()
        let host = try profileHost(RecordingFunction(recorder: recorder),
                                   manifest: profileManifest("aws-lambda-sqs", queue: #""max_receive_count": 2"#))
        _ = try await host.host.queues.send(bodies: [Data(#"{"number": 1}"#.utf8), Data("oops".utf8)], to: "jobs")
        try await host.settle()
        #expect(recorder.count == 0)
        #expect(try await host.stats("jobs").delayed == 2)
        #expect(try await host.deadLetters(of: "jobs").isEmpty)
        try await host.advance(by: .seconds(30))
        #expect(try await host.deadLetters(of: "jobs").count == 2)
        await host.shutdown()
    }

    @Test("Lambda: a batch is cut before its bodies pass 6 MB (services-sqs-parameters)")
    func lambdaPayloadCap() async throws {
        let recorder = MetadataRecorder()
        let batches = Recorder()
        let host = try profileHost(MetadataFunction(recorder: recorder, batches: batches), manifest: profileManifest("aws-lambda-sqs"))
        let body = Data(#""\#(String(repeating: "x", count: 2 * 1024 * 1024))""#.utf8)
        _ = try await host.host.queues.send(bodies: [body, body, body, body], to: "jobs")
        try await host.settle()
        #expect(batches.numbers == [2, 2])
        #expect(recorder.all.count == 4)
        await host.shutdown()
    }

    // MARK: Azure Storage Queue

    @Test("Azure Storage Queue: each message of a fetched batch is its own invocation, so one throw fails only its message (QueueListener.cs)")
    func azureOneInvocationPerMessage() async throws {
        let recorder = Recorder()
        let function = ScriptedBatchFunction(recorder: recorder, throwFor: 2)
        let host = try profileHost(function, manifest: profileManifest("azure-storage-queue", function: #""retry": {"initial_delay": "10s"}"#))
        try await sendTogether([1, 2, 3], to: host)
        try await host.settle()
        #expect(host.metrics().invocations == 3)
        #expect(host.metrics().succeeded == 2)
        try await host.advance(by: .seconds(10))
        #expect(recorder.all.filter { $0.receiveCount == 2 }.map(\.number) == [2])
        await host.shutdown()
    }

    @Test("Azure Storage Queue: the next batch is fetched as soon as the running messages drop to newBatchThreshold (QueueListener.cs)")
    func azureNewBatchThresholdFetch() async throws {
        let gate = Gate()
        let recorder = Recorder()
        let host = try profileHost(GatedFunction(recorder: recorder, gate: gate, only: 1),
                                   manifest: profileManifest("azure-storage-queue", function: #""scale": {"min_workers": 1, "max_workers": 1}"#,
                                                             trigger: #""batch_size": 2, "new_batch_threshold": 1"#))
        try await sendTogether([1, 2], to: host)
        #expect(try await eventually { recorder.count == 2 })
        try await sendTogether([3, 4], to: host)
        // Job 1 still runs on the only worker; 3 and 4 start beside it.
        #expect(try await eventually { Set(recorder.numbers) == [1, 2, 3, 4] })
        #expect(try await eventually { try await host.stats("jobs").total == 1 })
        gate.open()
        try await host.settle()
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    @Test("Azure Storage Queue: a failure is retried at once (visibilityTimeout 0) and after 5 dequeues moved to <queue>-poison (QueuesOptions.cs)")
    func azureRetriesThenPoison() async throws {
        let recorder = Recorder()
        let host = try profileHost(FlakyFunction(recorder: recorder, failures: 100), manifest: profileManifest("azure-storage-queue"))
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        #expect(recorder.all.map(\.receiveCount) == [1, 2, 3, 4, 5])
        #expect(Set(recorder.all.map(\.time)).count == 1)
        #expect(try await host.store.peek("jobs-poison", limit: 10).count == 1)
        await host.shutdown()
    }

    @Test("Azure Storage Queue: the poison message is a new message with the body only: new id, no dequeue count, no error (QueueProcessor.cs)")
    func azurePoisonKeepsBodyOnly() async throws {
        let recorder = Recorder()
        let host = try profileHost(FlakyFunction(recorder: recorder, failures: 100), manifest: profileManifest("azure-storage-queue"))
        let id = try await host.send(Job(number: 7), to: "jobs")
        try await host.settle()
        let poison = try #require(try await host.store.peek("jobs-poison", limit: 10).first)
        #expect(poison.id != id)
        #expect(poison.receiveCount == 0)
        #expect(poison.failures.isEmpty)
        #expect(poison.deadLetter == nil)
        #expect(try JSONDecoder().decode(Job.self, from: poison.body) == Job(number: 7))
        await host.shutdown()
    }

    @Test("Azure Storage Queue: retry.initial_delay is host.json's visibilityTimeout: a fixed delay, never growing (QueueProcessor.cs)")
    func azureFixedVisibilityTimeout() async throws {
        let recorder = Recorder()
        let host = try profileHost(FlakyFunction(recorder: recorder, failures: 2),
                                   manifest: profileManifest("azure-storage-queue", function: #""retry": {"initial_delay": "10s"}"#))
        let start = host.clock.now()
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        try await host.advance(by: .seconds(10))
        try await host.advance(by: .seconds(10))
        #expect(recorder.all.map { $0.time.timeIntervalSince(start) } == [0, 10, 20])
        await host.shutdown()
    }

    @Test("Azure Storage Queue: the 10-minute lease is renewed while the function runs, so a 12-minute run is not redelivered (QueueListener.cs)")
    func azureLeaseRenewal() async throws {
        let gate = Gate()
        let recorder = Recorder()
        let host = try profileHost(GatedFunction(recorder: recorder, gate: gate),
                                   manifest: profileManifest("azure-storage-queue", function: #""timeout": "20m", "scale": {"min_workers": 2, "max_workers": 2}"#))
        try await host.send(Job(number: 1), to: "jobs")
        #expect(try await eventually { recorder.count == 1 })
        let start = host.clock.now()
        for minute in 1...12 {
            host.clock.advance(by: .seconds(60))
            if minute % 5 == 0 {
                // Renewed at half the 10-minute lease: it now ends 10 minutes from here.
                let end = start.addingTimeInterval(Double(minute * 60 + 600))
                #expect(try await eventually { try await leaseEnd(host) == end })
            }
        }
        #expect(try await host.stats("jobs").inFlight == 1)
        #expect(recorder.count == 1)
        gate.open()
        try await host.settle()
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    // MARK: Azure Service Bus

    @Test("Service Bus: the lock is renewed automatically for at most maxAutoLockRenewalDuration 5 minutes, then lapses and the message is delivered again (ServiceBusOptions.cs)")
    func serviceBusLockRenewalCap() async throws {
        let gate = Gate()
        let recorder = Recorder()
        let host = try profileHost(GatedFunction(recorder: recorder, gate: gate),
                                   manifest: profileManifest("azure-service-bus", function: #""timeout": "10m", "scale": {"min_workers": 2, "max_workers": 2}"#))
        try await host.send(Job(number: 1), to: "jobs")
        #expect(try await eventually { recorder.count == 1 })
        let start = host.clock.now()
        for step in 1...10 {
            host.clock.advance(by: .seconds(30))
            // Renewed at half the 1-minute lock, up to 5 minutes after the start.
            let end = start.addingTimeInterval(Double(step * 30 + 60))
            #expect(try await eventually { try await leaseEnd(host) == end })
        }
        host.clock.advance(by: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await leaseEnd(host) == start.addingTimeInterval(360))
        #expect(recorder.count == 1)
        host.clock.advance(by: .seconds(30))
        #expect(try await eventually { recorder.count == 2 })
        gate.open()
        try await host.settle()
        await host.shutdown()
    }

    @Test("Service Bus: an abandoned message is redelivered at once and dead-lettered after MaxDeliveryCount 10 (QueueProperties)")
    func serviceBusMaxDeliveryCount() async throws {
        let recorder = Recorder()
        let host = try profileHost(FlakyFunction(recorder: recorder, failures: 100), manifest: profileManifest("azure-service-bus"))
        let id = try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        #expect(recorder.count == 10)
        let dead = try #require(try await host.store.peek("jobs-deadletter", limit: 10).first)
        #expect(dead.id == id)
        #expect(dead.deadLetter?.reason.contains("dependency down") == true)
        await host.shutdown()
    }
}
