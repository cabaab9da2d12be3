import Foundation

/// What a handler knows about the invocation it is running in.
public struct FunctionContext: Sendable {
    /// The function's name from `functions.json` (`process-import`).
    public var functionName: String
    /// A fresh identifier for this invocation.
    public var invocationID: String
    /// When the invocation times out and is cancelled.
    public var deadline: Date
    /// A logger that tags every line with the function, invocation and message ids.
    public var logger: QueueLogger
    /// Sends messages to other queues, to chain functions.
    public var queues: QueueClient
    /// The host's clock (a manual one under test).
    public var clock: any HostClock
    /// Where ``send(_:to:delay:)`` puts messages until the batch settles, when the store
    /// commits them with the acks; nil to send at once.
    package var outbox: InvocationOutbox?
    /// Where ``once(key:ttl:_:)`` keeps its keys; nil when the store keeps none.
    package var onceStore: (any OnceKeyStore)? {
        get { explicitOnceStore ?? (onceSource as? any OnceKeyStore) }
        set { explicitOnceStore = newValue }
    }
    private var explicitOnceStore: (any OnceKeyStore)?
    /// The host's store, asked for ``onceStore`` only when a handler calls `once`: the
    /// dynamic cast is not paid per invocation.
    package var onceSource: (any QueueStore)?

    /// Creates a context.
    public init(functionName: String, invocationID: String, deadline: Date, logger: QueueLogger, queues: QueueClient, clock: any HostClock) {
        self.functionName = functionName
        self.invocationID = invocationID
        self.deadline = deadline
        self.logger = logger
        self.queues = queues
        self.clock = clock
    }

    /// Time left before the deadline (zero when it has passed).
    public var remainingTime: Duration {
        max(.zero, deadline.duration(since: clock.now()))
    }

    /// Sends `value` as JSON to `queue`.
    ///
    /// On a store with a transactional outbox (memory, SQLite, PostgreSQL) the message is
    /// stored together with the acks of this batch, once the handler has returned: a batch
    /// that fails sends nothing, and one that is delivered again sends once.
    ///
    /// - Returns: The new message's identity.
    /// - Throws: ``QueueClient/SendError`` for an unknown queue or an unencodable value; store errors.
    @discardableResult
    public func send<Value: Encodable>(_ value: Value, to queue: String, delay: Duration = .zero) async throws -> MessageID {
        guard let outbox else { return try await queues.send(value, to: queue, delay: delay) }
        let queued = try queues.message(value, to: queue, delay: delay)
        try outbox.append(queued)
        return queued.message.id
    }

    /// Sends `value` as JSON to `queue` with delivery options: `at` a given time, a
    /// `priority`, a FIFO `group` and `deduplicationID`, `attributes`.
    ///
    /// Like ``send(_:to:delay:)`` the message goes out with the batch's acks, except one
    /// the queue deduplicates (FIFO with a deduplication id or content-based
    /// deduplication): it is stored at once, and a batch delivered again sends a
    /// duplicate the window drops.
    ///
    /// - Returns: The stored message's id, or the original's for a duplicate.
    /// - Throws: ``QueueClient/SendError``, ``DeliveryOptionsError``, ``MessageAttributes/LimitError``; store errors.
    @discardableResult
    public func send<Value: Encodable>(
        _ value: Value, to queue: String, delay: Duration = .zero, at: Date? = nil, priority: Int? = nil,
        group: String? = nil, deduplicationID: String? = nil, attributes: [String: String] = [:]
    ) async throws -> MessageID {
        let options = DeliveryOptions(
            delay: delay, at: at, priority: priority, groupID: group, deduplicationID: deduplicationID, attributes: attributes
        )
        let prepared = try queues.prepare(value, to: queue, options: options)
        guard let outbox, prepared.deduplicationKey == nil else { return try await queues.send(prepared, to: queue).id }
        try outbox.append(QueuedMessage(queue: queue, message: prepared.message))
        return prepared.message.id
    }
}
