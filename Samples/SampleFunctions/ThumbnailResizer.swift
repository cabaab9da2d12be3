import Foundation
import Synchronization
import QueueFunctions

/// A thumbnail request, as the uploader sends it.
public struct ThumbnailJob: Codable, Sendable {
    /// The image to resize (`images/cat.jpg`).
    public var image: String
    /// The thumbnail's width in pixels.
    public var width: Int

    /// Creates a request.
    public init(image: String, width: Int) {
        self.image = image
        self.width = width
    }
}

/// The thumbnails made so far, shared between handler instances and tests.
public final class ThumbnailStore: Sendable {
    private let made = Mutex<[String]>([])

    /// Creates an empty store.
    public init() {}

    /// Records a thumbnail.
    func add(_ name: String) { made.withLock { $0.append(name) } }

    /// The thumbnails made, in order.
    public var thumbnails: [String] { made.withLock { $0 } }
}

/// A handler written the Lambda way, running under the `aws-lambda-sqs` profile: it
/// reads Lambda's SQS event JSON (the shape swift-aws-lambda-events' `SQSEvent` decodes)
/// and answers with a partial batch response listing the records it could not resize.
/// A width of 0 or less cannot be resized; Lambda retries such a record only once the
/// queue's visibility timeout has run out, and SQS dead-letters it after `maxReceiveCount`.
public struct ThumbnailResizer: LambdaSQSFunction {
    /// Where thumbnails go.
    public let store: ThumbnailStore

    /// Creates the handler.
    public init(store: ThumbnailStore) { self.store = store }

    /// Resizes every record it can and lists the others in `batchItemFailures`.
    public func handle(event: Data, context: FunctionContext) async throws -> Data? {
        let sqs = try JSONDecoder().decode(LambdaSQSEvent.self, from: event)
        var failures: [[String: String]] = []
        for record in sqs.Records {
            guard let job = try? JSONDecoder().decode(ThumbnailJob.self, from: Data(record.body.utf8)), job.width > 0 else {
                failures.append(["itemIdentifier": record.messageId])
                continue
            }
            store.add("\(job.image)@\(job.width)")
        }
        return try JSONEncoder().encode(["batchItemFailures": failures])
    }
}
