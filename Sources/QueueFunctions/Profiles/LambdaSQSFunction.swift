import Foundation

/// A function written the Lambda way: it receives the batch as Lambda's SQS event JSON
/// and answers with Lambda's partial batch response JSON (`{"batchItemFailures":
/// [{"itemIdentifier": "<messageId>"}]}`), or nil.
///
/// A handler written for swift-aws-lambda-runtime against swift-aws-lambda-events'
/// `SQSEvent` runs unchanged by decoding `event` in its own package:
///
/// ```swift
/// struct Resize: LambdaSQSFunction {
///     func handle(event: Data, context: FunctionContext) async throws -> Data? {
///         let sqs = try JSONDecoder().decode(SQSEvent.self, from: event)
///         …
///         return nil  // every record succeeded
///     }
/// }
/// ```
///
/// The response is read by Lambda's rules (docs `services-sqs-errorhandling`): nil, empty,
/// `null` or an empty `batchItemFailures` mean success; listed ids fail; invalid JSON, an
/// empty or missing `itemIdentifier`, or an id not in the batch make the response invalid,
/// which under the `aws-lambda-sqs` profile with `report_batch_item_failures` fails the whole batch.
public protocol LambdaSQSFunction: QueueFunction where Message == RawBody {
    /// Handles one batch as Lambda's SQS event JSON.
    ///
    /// - Returns: The partial batch response JSON, or nil for "all succeeded".
    /// - Throws: Any error fails the whole batch, as a function error does on Lambda.
    func handle(event: Data, context: FunctionContext) async throws -> Data?
}

extension LambdaSQSFunction {
    /// Builds the event, calls ``handle(event:context:)`` and settles the batch from its response.
    public func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        let response = try await handle(event: try batch.lambdaSQSEventJSON(), context: context)
        LambdaBatchResponse.apply(response, to: batch)
    }
}

/// Reads Lambda's partial batch response.
enum LambdaBatchResponse {
    /// The failure reason of items listed in `batchItemFailures`.
    static let reportedReason = "reported in batchItemFailures"

    /// Settles the items `response` lists as failed, or records why it is invalid.
    static func apply<Message>(_ response: Data?, to batch: MessageBatch<Message>) {
        guard let response, !response.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return }
        guard let json = try? JSONSerialization.jsonObject(with: response, options: [.fragmentsAllowed]) else {
            batch.recordInvalidResponse("the response is not valid JSON")
            return
        }
        if json is NSNull { return }
        guard let object = json as? [String: Any] else {
            batch.recordInvalidResponse("the response is not a JSON object with batchItemFailures")
            return
        }
        guard let failures = object["batchItemFailures"], !(failures is NSNull) else { return }
        guard let list = failures as? [Any] else {
            batch.recordInvalidResponse("batchItemFailures is not a list")
            return
        }
        let ids = Set(batch.items.map(\.id.rawValue))
        for entry in list {
            guard let entry = entry as? [String: Any], let identifier = entry["itemIdentifier"] as? String, !identifier.isEmpty else {
                batch.recordInvalidResponse("a batchItemFailures entry has no itemIdentifier (or an empty one)")
                continue
            }
            guard ids.contains(identifier) else {
                batch.recordInvalidResponse("item identifier \(JSONText.string(identifier)) is not a message of this batch")
                continue
            }
            batch.settle(MessageID(identifier), .failure(reportedReason))
        }
    }
}
