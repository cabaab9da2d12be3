import Foundation

/// One record of Lambda's SQS event, with AWS's field names (docs `with-sqs`;
/// swift-aws-lambda-events' `SQSEvent.Message` decodes it).
public struct LambdaSQSRecord: Sendable, Codable, Equatable {
    /// The SQS message id.
    public var messageId: String
    /// The receipt handle of this receive.
    public var receiptHandle: String
    /// The body as text.
    public var body: String
    /// `ApproximateReceiveCount`, `SentTimestamp`, `SenderId`, `ApproximateFirstReceiveTimestamp`
    /// (timestamps in milliseconds since 1970, as strings).
    public var attributes: [String: String]
    /// Message attributes (none: this runtime's messages carry none).
    public var messageAttributes: [String: [String: String]]
    /// The MD5 of the body, in hex.
    public var md5OfBody: String
    /// Always `aws:sqs`.
    public var eventSource: String
    /// The queue's ARN (`arn:aws:sqs:us-east-1:000000000000:<queue>`).
    public var eventSourceARN: String
    /// The region (`us-east-1`).
    public var awsRegion: String
}

/// Lambda's SQS event: `{"Records": […]}`.
public struct LambdaSQSEvent: Sendable, Codable, Equatable {
    /// The batch's records, in receive order.
    public var Records: [LambdaSQSRecord]
}

/// The Azure Storage Queue trigger's metadata, with Azure's binding names
/// (docs `functions-bindings-storage-queue-trigger.md`, "Message metadata").
public struct AzureQueueTriggerMetadata: Sendable, Codable, Equatable {
    /// The payload as text.
    public var QueueTrigger: String
    /// Deliveries so far, this one included.
    public var DequeueCount: Int
    /// When the message expires (7 days after insertion, the Storage default).
    public var ExpirationTime: Date
    /// The message id.
    public var Id: String
    /// When the message was added.
    public var InsertionTime: Date
    /// When the message becomes visible again (the end of this delivery's lease).
    public var NextVisibleTime: Date
    /// The pop receipt that deletes or updates this delivery.
    public var PopReceipt: String

    /// The metadata as JSON, dates in ISO 8601.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

extension MessageMetadata {
    /// This message as a record of Lambda's SQS event.
    public var lambdaRecord: LambdaSQSRecord {
        func milliseconds(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
        return LambdaSQSRecord(
            messageId: id.rawValue,
            receiptHandle: Data("\(id.rawValue)#\(leaseToken?.receipt ?? 0)".utf8).base64EncodedString(),
            body: String(decoding: body, as: UTF8.self),
            attributes: [
                "ApproximateReceiveCount": String(receiveCount),
                "SentTimestamp": milliseconds(sentAt),
                "SenderId": LambdaSQSRules.accountID,
                "ApproximateFirstReceiveTimestamp": milliseconds(firstReceivedAt),
            ],
            messageAttributes: [:],
            md5OfBody: MD5.hex(body),
            eventSource: "aws:sqs",
            eventSourceARN: "arn:aws:sqs:\(LambdaSQSRules.region):\(LambdaSQSRules.accountID):\(queue)",
            awsRegion: LambdaSQSRules.region
        )
    }

    /// This message's Azure Storage Queue trigger metadata.
    public var azureQueueTrigger: AzureQueueTriggerMetadata {
        AzureQueueTriggerMetadata(
            QueueTrigger: String(decoding: body, as: UTF8.self),
            DequeueCount: receiveCount,
            ExpirationTime: sentAt.addingTimeInterval(7 * 24 * 3600),
            Id: id.rawValue,
            InsertionTime: sentAt,
            NextVisibleTime: leaseExpiresAt ?? sentAt,
            PopReceipt: Data("\(id.rawValue)#\(leaseToken?.receipt ?? 0)".utf8).base64EncodedString()
        )
    }
}

extension MessageBatch {
    /// The batch as Lambda's SQS event.
    public var lambdaSQSEvent: LambdaSQSEvent {
        LambdaSQSEvent(Records: items.map(\.metadata.lambdaRecord))
    }

    /// The batch as the JSON of Lambda's SQS event, for a handler written against
    /// swift-aws-lambda-events' `SQSEvent`.
    ///
    /// - Throws: An encoding error (not expected for these string fields).
    public func lambdaSQSEventJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(lambdaSQSEvent)
    }
}
