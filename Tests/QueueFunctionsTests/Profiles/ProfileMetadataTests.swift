import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// Mirrors swift-aws-lambda-events' `SQSEvent` field names, as a user's package would decode them.
struct SQSEventMirror: Decodable {
    struct Message: Decodable {
        struct Attribute: Decodable {}
        let messageId: String
        let receiptHandle: String
        var body: String
        let md5OfBody: String
        let md5OfMessageAttributes: String?
        let attributes: [String: String]
        let messageAttributes: [String: Attribute]
        let eventSourceArn: String
        let eventSource: String
        let awsRegion: String

        enum CodingKeys: String, CodingKey {
            case messageId, receiptHandle, body, md5OfBody, md5OfMessageAttributes, attributes, messageAttributes
            case eventSourceArn = "eventSourceARN"
            case eventSource, awsRegion
        }
    }

    let records: [Message]

    enum CodingKeys: String, CodingKey { case records = "Records" }
}

/// Answers with a fixed batch response JSON and records each event it received.
struct ScriptedLambdaFunction: LambdaSQSFunction {
    let events: EventRecorder
    let response: @Sendable ([String]) -> Data?

    func handle(event: Data, context: FunctionContext) async throws -> Data? {
        let decoded = try JSONDecoder().decode(SQSEventMirror.self, from: event)
        events.record(event)
        return response(decoded.records.map(\.messageId))
    }
}

final class EventRecorder: Sendable {
    private let events = MutexBox<[Data]>([])
    func record(_ event: Data) { events.update { $0.append(event) } }
    var all: [Data] { events.value }
}

/// Metadata under the platforms' own names (platforms.md §2.3, §6.3).
@Suite("Platform profiles: metadata and event JSON")
struct ProfileMetadataTests {
    @Test("Lambda record fields: messageId, receiptHandle, ApproximateReceiveCount, SentTimestamp, ApproximateFirstReceiveTimestamp, md5OfBody, eventSource aws:sqs (with-sqs)")
    func lambdaRecordFields() async throws {
        let recorder = MetadataRecorder()
        let host = try profileHost(MetadataFunction(recorder: recorder, batches: Recorder()), manifest: profileManifest("aws-lambda-sqs"))
        let id = try await host.send(body: Data("hello".utf8), to: "jobs")
        try await host.settle()
        let record = try #require(recorder.all.first).lambdaRecord
        let sentMillis = String(Int64(host.clock.now().timeIntervalSince1970 * 1000))
        #expect(record.messageId == id.rawValue)
        #expect(!record.receiptHandle.isEmpty)
        #expect(record.body == "hello")
        #expect(record.attributes["ApproximateReceiveCount"] == "1")
        #expect(record.attributes["SentTimestamp"] == sentMillis)
        #expect(record.attributes["ApproximateFirstReceiveTimestamp"] == sentMillis)
        #expect(record.md5OfBody == "5d41402abc4b2a76b9719d911017c592")
        #expect(record.eventSource == "aws:sqs")
        #expect(record.eventSourceARN == "arn:aws:sqs:us-east-1:000000000000:jobs")
        #expect(record.awsRegion == "us-east-1")
        await host.shutdown()
    }

    @Test("Azure trigger metadata: DequeueCount, InsertionTime, NextVisibleTime (the lease's end), PopReceipt, Id (storage-queue-trigger docs)")
    func azureMetadataNames() async throws {
        let recorder = MetadataRecorder()
        let host = try profileHost(MetadataFunction(recorder: recorder, batches: Recorder()), manifest: profileManifest("azure-storage-queue"))
        let sent = host.clock.now()
        let id = try await host.send(body: Data("hi".utf8), to: "jobs")
        try await host.settle()
        let metadata = try #require(recorder.all.first).azureQueueTrigger
        #expect(metadata.Id == id.rawValue)
        #expect(metadata.DequeueCount == 1)
        #expect(metadata.InsertionTime == sent)
        #expect(metadata.NextVisibleTime == sent.addingTimeInterval(600))
        #expect(!metadata.PopReceipt.isEmpty)
        let json = try #require(String(data: try metadata.jsonData(), encoding: .utf8))
        for key in ["DequeueCount", "ExpirationTime", "Id", "InsertionTime", "NextVisibleTime", "PopReceipt", "QueueTrigger"] {
            #expect(json.contains("\"\(key)\""))
        }
        await host.shutdown()
    }

    @Test("a LambdaSQSFunction receives the batch as Lambda's SQS event, decodable with SQSEvent's field names")
    func eventDecodesAsSQSEvent() async throws {
        let events = EventRecorder()
        let host = try profileHost(ScriptedLambdaFunction(events: events) { _ in nil }, manifest: profileManifest("aws-lambda-sqs"))
        let ids = try await host.host.queues.send(bodies: [Data(#"{"a":1}"#.utf8), Data(#"{"a":2}"#.utf8)], to: "jobs")
        try await host.settle()
        let event = try JSONDecoder().decode(SQSEventMirror.self, from: try #require(events.all.first))
        #expect(event.records.map(\.messageId) == ids.map(\.rawValue))
        #expect(event.records.map(\.body) == [#"{"a":1}"#, #"{"a":2}"#])
        #expect(event.records.allSatisfy { $0.eventSource == "aws:sqs" && $0.eventSourceArn.hasSuffix(":jobs") })
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    @Test("Lambda: a batchItemFailures response is ignored without ReportBatchItemFailures: every message is deleted (services-sqs-errorhandling)")
    func jsonResponseIgnoredWithoutReportBatchItemFailures() async throws {
        let events = EventRecorder()
        let function = ScriptedLambdaFunction(events: events) { ids in
            Data(#"{"batchItemFailures":[{"itemIdentifier":"\#(ids[0])"}]}"#.utf8)
        }
        let host = try profileHost(function, manifest: profileManifest("aws-lambda-sqs"))
        try await host.send(body: Data("{}".utf8), to: "jobs")
        try await host.settle()
        #expect(try await host.stats("jobs").total == 0)
        await host.shutdown()
    }

    @Test("Lambda: an empty itemIdentifier makes the response invalid and fails the whole batch (services-sqs-errorhandling)")
    func emptyItemIdentifierFailsBatch() async throws {
        let events = EventRecorder()
        let function = ScriptedLambdaFunction(events: events) { _ in Data(#"{"batchItemFailures":[{"itemIdentifier":""}]}"#.utf8) }
        let host = try profileHost(function, manifest: profileManifest("aws-lambda-sqs", trigger: #""report_batch_item_failures": true"#))
        try await host.host.queues.send(bodies: [Data("1".utf8), Data("2".utf8)], to: "jobs")
        try await host.settle()
        #expect(host.metrics().succeeded == 0)
        #expect(host.metrics().retried == 2)
        await host.shutdown()
    }

    @Test("Lambda: an empty batchItemFailures list or a null response means success (services-sqs-errorhandling)")
    func emptyResponseIsSuccess() async throws {
        for response in [#"{"batchItemFailures":[]}"#, "null", ""] {
            let function = ScriptedLambdaFunction(events: EventRecorder()) { _ in Data(response.utf8) }
            let host = try profileHost(function, manifest: profileManifest("aws-lambda-sqs", trigger: #""report_batch_item_failures": true"#))
            try await host.send(body: Data("{}".utf8), to: "jobs")
            try await host.settle()
            #expect(host.metrics().succeeded == 1, "response \(response)")
            await host.shutdown()
        }
    }

    @Test("md5OfBody is the MD5 of the body (RFC 1321 test vectors)")
    func md5Vectors() {
        #expect(MD5.hex(Data()) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(Data("The quick brown fox jumps over the lazy dog".utf8)) == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(MD5.hex(Data(String(repeating: "1234567890", count: 8).utf8)) == "57edf4a22be3c955ac49da2e2107b67a")
    }
}
