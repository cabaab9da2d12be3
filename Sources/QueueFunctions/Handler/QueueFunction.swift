import Foundation

/// A queue-triggered function: the type you write.
///
/// The host hands it batches of up to `batch_size` messages of its queue, each
/// decoded into `Message`. Return normally and every item not settled otherwise
/// succeeds; throw and every item not yet settled fails and is retried with backoff.
/// Settle single items with ``MessageBatch/settle(_:_:)`` (Lambda's partial batch
/// response, made type-safe):
///
/// ```swift
/// struct ResizeImages: QueueFunction {
///     struct Message: Decodable, Sendable { let url: String }
///
///     func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws {
///         for item in batch {
///             if item.message.url.isEmpty {
///                 batch.settle(item, .deadLetter(reason: "empty url"))
///             }
///         }
///     }
/// }
/// ```
///
/// Each worker task gets its own instance from the factory it was registered with,
/// like a Lambda execution environment.
public protocol QueueFunction: Sendable {
    /// The type each message body is decoded into (JSON by default; ``RawBody`` for the bytes).
    associatedtype Message: Decodable & Sendable

    /// Handles one batch.
    ///
    /// - Throws: Any error fails every item not yet settled.
    func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws

    /// Decodes one message body. The default decodes JSON with `decoder`;
    /// for ``RawBody`` it hands over the bytes untouched.
    static func decodeMessage(_ body: Data, using decoder: JSONDecoder) throws -> Message
}

extension QueueFunction {
    /// Decodes `body` as JSON.
    public static func decodeMessage(_ body: Data, using decoder: JSONDecoder) throws -> Message {
        try decoder.decode(Message.self, from: body)
    }
}

extension QueueFunction where Message == RawBody {
    /// Hands over the body bytes untouched.
    public static func decodeMessage(_ body: Data, using decoder: JSONDecoder) throws -> RawBody {
        RawBody(body)
    }
}

/// A function that handles one message at a time; a thrown error fails only that message.
///
/// The host still receives in batches: the batch's items are handled in order and each
/// failure retries only its own message. Throw ``MessageFailure`` to choose the outcome,
/// as a ``QueueFunction`` does with ``MessageBatch/settle(_:_:)``:
///
/// ```swift
/// struct ChargeCard: MessageFunction {
///     struct Message: Decodable, Sendable { let card: String }
///
///     func handle(_ message: Message, metadata: MessageMetadata, context: FunctionContext) async throws {
///         if message.card.isEmpty { throw MessageFailure.deadLetter(reason: "no card number") }
///         if rateLimited { throw MessageFailure.retry(after: .seconds(30), reason: "rate limited") }
///     }
/// }
/// ```
public protocol MessageFunction: QueueFunction {
    /// Handles one message.
    ///
    /// - Throws: ``MessageFailure`` to retry after an exact delay or dead-letter now;
    ///   any other error fails this message only, and it is retried with backoff.
    func handle(_ message: Message, metadata: MessageMetadata, context: FunctionContext) async throws
}

extension MessageFunction {
    /// Handles the batch's items one by one, settling each from its own result.
    public func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws {
        for item in batch where !batch.isSettled(item) {
            try Task.checkCancellation()
            do {
                try await handle(item.message, metadata: item.metadata, context: context)
                batch.settle(item, .success)
            } catch is CancellationError {
                throw CancellationError()
            } catch let outage as DependencyUnavailable {
                // The dependency is down: the rest of the batch would fail the same way.
                throw outage
            } catch let failure as MessageFailure {
                batch.settle(item, failure.outcome)
            } catch {
                batch.settle(item, .failure(String(describing: error)))
            }
        }
    }
}

/// A message body handed over as bytes, for handlers that decode or forward it themselves.
public struct RawBody: Decodable, Sendable, Equatable {
    /// The body bytes as sent.
    public var bytes: Data

    /// Wraps body bytes.
    public init(_ bytes: Data) { self.bytes = bytes }

    /// The body as UTF-8 text, if it is valid UTF-8.
    public var text: String? { String(data: bytes, encoding: .utf8) }

    /// Decodes from a JSON string (used only when a `RawBody` is nested in another type).
    public init(from decoder: any Decoder) throws {
        bytes = Data(try decoder.singleValueContainer().decode(String.self).utf8)
    }
}
