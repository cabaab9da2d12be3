import Foundation

/// A message handed to ``QueueStore/send(_:to:)``.
public struct OutgoingMessage: Sendable {
    /// The message's identity; generated unless the producer supplies one.
    public var id: MessageID
    /// The body, usually JSON.
    public var body: Data
    /// How long the message stays invisible before its first delivery.
    public var delay: Duration
    /// String key/value pairs that travel with the message (SQS message attributes,
    /// Service Bus application properties): handlers see them, topics filter on them,
    /// and the dead-letter queue keeps them.
    public var attributes: [String: String]
    /// When the message first becomes visible, if scheduled at a given time; it then wins
    /// over ``delay``. No cap: a date months ahead is kept. On PostgreSQL the database
    /// clock decides when the date has come.
    public var scheduledAt: Date?
    /// 0 (lowest, the default) to 9: higher priorities are received first, in send order
    /// within a priority (see ``MessagePriority``).
    public var priority: Int
    /// The message group on a FIFO queue: one message of a group in flight at a time, in
    /// send order; nil for no group.
    public var groupID: String?

    /// Creates a message to send.
    ///
    /// - Parameters:
    ///   - body: The bytes to deliver, usually JSON.
    ///   - delay: How long to hide the message before its first delivery (SQS `DelaySeconds`).
    ///   - id: The identity to give it; a new random one by default.
    ///   - attributes: String key/value pairs that travel with the message.
    ///   - scheduledAt: When to deliver it first, instead of after `delay`.
    ///   - priority: 0 (default) to 9, higher first.
    ///   - groupID: The FIFO message group, if any.
    public init(
        body: Data, delay: Duration = .zero, id: MessageID = .generate(), attributes: [String: String] = [:],
        scheduledAt: Date? = nil, priority: Int = 0, groupID: String? = nil
    ) {
        self.id = id
        self.body = body
        self.delay = delay
        self.attributes = attributes
        self.scheduledAt = scheduledAt
        self.priority = priority
        self.groupID = groupID
    }

    /// When the message first becomes visible if sent at `now`: ``scheduledAt`` when set,
    /// else `now` plus ``delay``.
    public func visibleAt(sentAt now: Date) -> Date {
        if let scheduledAt { return scheduledAt }
        return now.adding(max(.zero, delay))
    }
}

/// One failed attempt to handle a message, kept in the message's history.
public struct FailureRecord: Sendable, Codable, Equatable {
    /// The receive count of the delivery that failed (1 for the first delivery).
    public var attempt: Int
    /// When the failure was recorded.
    public var at: Date
    /// What went wrong, as text a person can read.
    public var error: String

    /// Creates a failure record.
    public init(attempt: Int, at: Date, error: String) {
        self.attempt = attempt
        self.at = at
        self.error = error
    }
}

/// Where a dead-lettered message came from and why it was moved.
public struct DeadLetterInfo: Sendable, Codable, Equatable {
    /// The queue the message was consumed from when it was dead-lettered.
    public var sourceQueue: String
    /// How many times it had been received from `sourceQueue`.
    public var receiveCount: Int
    /// Why it was moved (the last error, or the handler's reason).
    public var reason: String
    /// When it was moved.
    public var at: Date

    /// Creates dead-letter provenance.
    public init(sourceQueue: String, receiveCount: Int, reason: String, at: Date) {
        self.sourceQueue = sourceQueue
        self.receiveCount = receiveCount
        self.reason = reason
        self.at = at
    }
}

/// A message as delivered to a consumer under a lease.
public struct ReceivedMessage: Sendable {
    /// The message's identity.
    public var id: MessageID
    /// The queue it was received from.
    public var queue: String
    /// The body bytes.
    public var body: Data
    /// When it was first sent.
    public var sentAt: Date
    /// How many times it has been received, this delivery included (SQS `ApproximateReceiveCount`).
    public var receiveCount: Int
    /// When it was first received.
    public var firstReceivedAt: Date
    /// Every recorded failure, oldest first.
    public var failures: [FailureRecord]
    /// Set when the message was dead-lettered (and so when it is read from a dead-letter queue).
    public var deadLetter: DeadLetterInfo?
    /// The producer's string key/value pairs.
    public var attributes: [String: String]
    /// Its priority, 0 to 9.
    public var priority: Int = 0
    /// Its FIFO message group, if any.
    public var groupID: String?

    /// Creates a received message.
    public init(
        id: MessageID, queue: String, body: Data, sentAt: Date, receiveCount: Int,
        firstReceivedAt: Date, failures: [FailureRecord] = [], deadLetter: DeadLetterInfo? = nil,
        attributes: [String: String] = [:]
    ) {
        self.attributes = attributes
        self.id = id
        self.queue = queue
        self.body = body
        self.sentAt = sentAt
        self.receiveCount = receiveCount
        self.firstReceivedAt = firstReceivedAt
        self.failures = failures
        self.deadLetter = deadLetter
    }
}

/// Proof of one delivery: only the holder of the current token may settle the message.
public struct LeaseToken: Hashable, Sendable {
    /// The leased message.
    public var messageID: MessageID
    /// A value unique to this delivery; a later delivery gets a different one.
    public var receipt: UInt64
    /// The engine's own key for the leased message (a row id, a slot), set by the engine
    /// that leased it so that settling finds the message without looking up its text id;
    /// 0 when unknown, and then engines look the message up by ``messageID``.
    public var engineKey: Int64

    /// Creates a token.
    public init(messageID: MessageID, receipt: UInt64, engineKey: Int64 = 0) {
        self.messageID = messageID
        self.receipt = receipt
        self.engineKey = engineKey
    }

    /// Two tokens are the same delivery when their message and receipt match; the engine
    /// key is derived from them and not compared.
    public static func == (lhs: LeaseToken, rhs: LeaseToken) -> Bool {
        lhs.receipt == rhs.receipt && lhs.messageID == rhs.messageID
    }

    /// Hashes the receipt only (it differs between deliveries), not the text id.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(receipt)
    }
}

/// A message received under a lease: invisible to other consumers until `expiresAt`.
public struct Lease: Sendable {
    /// The delivered message.
    public var message: ReceivedMessage
    /// The token that settles this delivery.
    public var token: LeaseToken
    /// When the lease lapses and the message becomes visible again.
    public var expiresAt: Date

    /// Creates a lease.
    public init(message: ReceivedMessage, token: LeaseToken, expiresAt: Date) {
        self.message = message
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// What to do with a leased message.
public enum SettlementAction: Sendable, Equatable {
    /// Delete it: handled.
    case ack
    /// Make it visible again after `after`, recording `failure` in its history.
    case retry(after: Duration, failure: FailureRecord)
    /// Move it to `queue` with its history and `failure` appended.
    case deadLetter(queue: String, failure: FailureRecord)
    /// Make it visible again at once and give back this receive: it was never
    /// handed to a handler (for example at shutdown).
    case abandon
}

/// One settlement: a lease token and what to do with its message.
public struct Settlement: Sendable {
    /// The delivery being settled.
    public var token: LeaseToken
    /// What to do.
    public var action: SettlementAction

    /// Creates a settlement.
    public init(_ token: LeaseToken, _ action: SettlementAction) {
        self.token = token
        self.action = action
    }
}

/// The answer to one settlement.
public enum SettleResult: Sendable, Equatable {
    /// The action was applied.
    case applied
    /// The token is no longer current (the lease lapsed and the message was
    /// delivered again, or it was already settled); nothing was changed.
    case staleLease
}

/// Where a stored message stands.
public enum MessageState: Sendable, Equatable {
    /// Ready to be received.
    case visible
    /// Waiting out a delay or a retry backoff until the date.
    case delayed(until: Date)
    /// Leased to a consumer until the date.
    case inFlight(until: Date)
}

/// A message as stored, for `peek` and the dead-letter listing.
public struct StoredMessage: Sendable {
    /// The message's identity.
    public var id: MessageID
    /// The queue it is in now.
    public var queue: String
    /// The body bytes.
    public var body: Data
    /// When it was first sent.
    public var sentAt: Date
    /// How many times it has been received.
    public var receiveCount: Int
    /// When it was first received, if ever.
    public var firstReceivedAt: Date?
    /// Every recorded failure, oldest first.
    public var failures: [FailureRecord]
    /// Set when the message sits in a dead-letter queue.
    public var deadLetter: DeadLetterInfo?
    /// Where the message stands.
    public var state: MessageState
    /// The producer's string key/value pairs.
    public var attributes: [String: String]
    /// Its priority, 0 to 9.
    public var priority: Int = 0
    /// Its FIFO message group, if any.
    public var groupID: String?

    /// Creates a stored-message snapshot.
    public init(
        id: MessageID, queue: String, body: Data, sentAt: Date, receiveCount: Int,
        firstReceivedAt: Date?, failures: [FailureRecord], deadLetter: DeadLetterInfo?, state: MessageState,
        attributes: [String: String] = [:]
    ) {
        self.attributes = attributes
        self.id = id
        self.queue = queue
        self.body = body
        self.sentAt = sentAt
        self.receiveCount = receiveCount
        self.firstReceivedAt = firstReceivedAt
        self.failures = failures
        self.deadLetter = deadLetter
        self.state = state
    }
}

/// A point-in-time count of one queue, for the autoscaler and operators.
public struct QueueStats: Sendable, Equatable, Codable {
    /// Messages ready to be received now.
    public var visible: Int
    /// Messages waiting out a delay or a retry backoff.
    public var delayed: Int
    /// Messages leased to a consumer.
    public var inFlight: Int
    /// When the oldest message now in the queue (any state) entered it: its send
    /// time, or the time it was dead-lettered or redriven into this queue.
    public var oldestEnqueuedAt: Date?
    /// Messages that came from this queue and now sit in a dead-letter queue.
    public var deadLettered: Int
    /// Of the delayed messages, those never delivered yet: sent with a delay or for a
    /// given time (`send --at`), and still waiting for it. Cancellable by id.
    public var scheduled: Int = 0

    /// Creates stats.
    public init(
        visible: Int = 0, delayed: Int = 0, inFlight: Int = 0, oldestEnqueuedAt: Date? = nil, deadLettered: Int = 0,
        scheduled: Int = 0
    ) {
        self.scheduled = scheduled
        self.visible = visible
        self.delayed = delayed
        self.inFlight = inFlight
        self.oldestEnqueuedAt = oldestEnqueuedAt
        self.deadLettered = deadLettered
    }

    /// All messages in the queue, in any state.
    public var total: Int { visible + delayed + inFlight }

    /// The age of the oldest message at `now`, or zero for an empty queue.
    public func oldestAge(at now: Date) -> Duration {
        guard let oldestEnqueuedAt else { return .zero }
        return max(.zero, now.duration(since: oldestEnqueuedAt))
    }
}
