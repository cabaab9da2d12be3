import Foundation
import Synchronization

/// What a delivery said about a message, as the host saw it.
public struct MessageMetadata: Sendable {
    /// The message's identity, stable across retries.
    public var id: MessageID
    /// The queue it came from.
    public var queue: String
    /// How many times it has been received, this delivery included (1 on the first delivery).
    public var receiveCount: Int
    /// When it was sent.
    public var sentAt: Date
    /// When it was first received.
    public var firstReceivedAt: Date
    /// Failures of earlier deliveries, oldest first.
    public var previousFailures: [FailureRecord]
    /// The body bytes as sent.
    public var body: Data
    /// The lease of this delivery (the SQS receipt handle, Azure's pop receipt), if delivered by a host.
    public var leaseToken: LeaseToken?
    /// When this delivery's lease lapses (Azure's `NextVisibleTime`), if delivered by a host.
    public var leaseExpiresAt: Date?
    /// The producer's string key/value pairs (SQS message attributes).
    public var attributes: [String: String] = [:]
    /// Its FIFO message group, if any (SQS `MessageGroupId`).
    public var groupID: String?
    /// Its priority, 0 (lowest) to 9.
    public var priority: Int = 0

    /// Creates metadata.
    public init(id: MessageID, queue: String, receiveCount: Int, sentAt: Date, firstReceivedAt: Date, previousFailures: [FailureRecord], body: Data) {
        self.id = id
        self.queue = queue
        self.receiveCount = receiveCount
        self.sentAt = sentAt
        self.firstReceivedAt = firstReceivedAt
        self.previousFailures = previousFailures
        self.body = body
    }

    init(_ message: ReceivedMessage) {
        self.init(
            id: message.id, queue: message.queue, receiveCount: message.receiveCount, sentAt: message.sentAt,
            firstReceivedAt: message.firstReceivedAt, previousFailures: message.failures, body: message.body
        )
        attributes = message.attributes
        groupID = message.groupID
        priority = message.priority
    }
}

/// One message of a batch: the decoded value and its metadata.
public struct BatchItem<Message: Sendable>: Sendable {
    /// The decoded message.
    public var message: Message
    /// Its delivery metadata.
    public var metadata: MessageMetadata

    /// The message's identity.
    public var id: MessageID { metadata.id }

    /// Creates an item.
    public init(message: Message, metadata: MessageMetadata) {
        self.message = message
        self.metadata = metadata
    }
}

/// The outcome a handler gives one message.
public struct ItemOutcome: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case success
        case failure(String)
        case retry(after: Duration, reason: String)
        case deadLetter(String)
    }

    let kind: Kind
    /// The outage this outcome reports, for ``dependencyUnavailable(_:)``.
    package var outage: DependencyUnavailable?

    /// Handled: delete it.
    public static let success = ItemOutcome(kind: .success)

    /// Failed: retry with the function's backoff, dead-letter once the receive count
    /// reaches the queue's `max_receive_count`.
    public static func failure(_ reason: String) -> ItemOutcome { ItemOutcome(kind: .failure(reason)) }

    /// Failed, retry after exactly `delay` (still bounded by `max_receive_count`).
    public static func retry(after delay: Duration, reason: String) -> ItemOutcome {
        ItemOutcome(kind: .retry(after: delay, reason: reason))
    }

    /// Not handled because a dependency is down: its circuit breaker opens, every function
    /// using it stops receiving, and the message goes back with its receive given back (as
    /// when a handler throws ``DependencyUnavailable``). Without a breaker on that
    /// dependency, it is retried after `retryAfter` (or 5 s) like any failure.
    public static func dependencyUnavailable(_ outage: DependencyUnavailable) -> ItemOutcome {
        var outcome = ItemOutcome(kind: .retry(after: outage.retryAfter ?? .seconds(5), reason: outage.description))
        outcome.outage = outage
        return outcome
    }

    /// Cannot ever succeed: move it to the dead-letter queue now, with `reason`.
    public static func deadLetter(reason: String) -> ItemOutcome { ItemOutcome(kind: .deadLetter(reason)) }

    /// Whether this outcome is a success.
    public var isSuccess: Bool { kind == .success }
}

/// The batch a ``QueueFunction`` handles: its items, in receive order, and the
/// outcomes settled so far.
///
/// Settling records an outcome for one item; when the handler returns, unsettled
/// items succeed, and when it throws (or times out), unsettled items fail.
public final class MessageBatch<Message: Sendable>: Sendable, Sequence {
    /// The items, in receive order.
    public let items: [BatchItem<Message>]
    private let outcomes: Mutex<[MessageID: ItemOutcome]>
    private let invalid = Mutex<[String]>([])

    /// Creates a batch of `items`.
    public init(_ items: [BatchItem<Message>]) {
        self.items = items
        self.outcomes = Mutex([:])
    }

    /// The number of items.
    public var count: Int { items.count }

    /// Iterates over the items.
    public func makeIterator() -> IndexingIterator<[BatchItem<Message>]> { items.makeIterator() }

    /// Records `outcome` for `item`; a later call for the same item replaces it.
    public func settle(_ item: BatchItem<Message>, _ outcome: ItemOutcome) {
        settle(item.id, outcome)
    }

    /// Records `outcome` for the item with `id`; ids not in the batch are ignored
    /// (under the `aws-lambda-sqs` profile they make the batch response invalid).
    public func settle(_ id: MessageID, _ outcome: ItemOutcome) {
        guard items.contains(where: { $0.id == id }) else {
            recordInvalidResponse("item identifier \(JSONText.string(id.rawValue)) is not a message of this batch")
            return
        }
        outcomes.withLock { $0[id] = outcome }
    }

    /// Whether `item` has an outcome already.
    public func isSettled(_ item: BatchItem<Message>) -> Bool {
        outcomes.withLock { $0[item.id] != nil }
    }

    /// The outcome recorded for `id`, if any.
    public func outcome(for id: MessageID) -> ItemOutcome? {
        outcomes.withLock { $0[id] }
    }

    /// Records why the batch response is invalid (Lambda fails the whole batch for it).
    package func recordInvalidResponse(_ reason: String) {
        invalid.withLock { $0.append(reason) }
    }

    /// Why the batch response is invalid, if it is.
    var invalidResponse: [String] { invalid.withLock { $0 } }

    /// Every recorded outcome.
    var settledOutcomes: [MessageID: ItemOutcome] {
        outcomes.withLock { $0 }
    }
}
