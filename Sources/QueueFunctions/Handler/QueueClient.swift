import Foundation

/// Sends messages to queues: used by handlers (through their context), the gateway,
/// the CLI and your own code.
public struct QueueClient: Sendable {
    /// Errors from sending.
    public struct SendError: Error, CustomStringConvertible, Sendable {
        /// What happened and what to do.
        public var description: String
    }

    /// The store messages go to.
    public let store: any QueueStore
    /// The queues that may be sent to; nil allows any name.
    public let knownQueues: Set<String>?
    /// How ``send(_:to:delay:)`` encodes values.
    public let coding: JSONCoding
    /// Where the topics ``publish(body:to:attributes:)`` may publish to are kept (shared by a host's clients).
    let topicDirectory: TopicDirectory

    /// The topics ``publish(body:to:attributes:)`` may publish to.
    public var topics: [TopicConfig] { topicDirectory.topics }

    /// The declared queues' settings (FIFO, deduplication, default priority), by name.
    public let queueConfigs: [String: QueueConfig]

    /// Creates a client for `store`, limited to `knownQueues` when given, encoding values with
    /// `coding`, publishing to `topics`.
    public init(store: any QueueStore, knownQueues: Set<String>? = nil, coding: JSONCoding = .default, topics: [TopicConfig] = []) {
        self.init(store: store, knownQueues: knownQueues, coding: coding, queueConfigs: [], topicDirectory: TopicDirectory(topics))
    }

    /// Creates a client for `store` that knows the `queueConfigs` of a manifest: sends
    /// are limited to them and follow their delivery options.
    public init(
        store: any QueueStore, knownQueues: Set<String>? = nil, coding: JSONCoding = .default, queueConfigs: [QueueConfig],
        topics: [TopicConfig] = []
    ) {
        self.init(store: store, knownQueues: knownQueues, coding: coding, queueConfigs: queueConfigs, topicDirectory: TopicDirectory(topics))
    }

    /// Creates a client whose topics are those of `topicDirectory`, now and after it changes.
    package init(
        store: any QueueStore, knownQueues: Set<String>?, coding: JSONCoding = .default, queueConfigs: [QueueConfig],
        topicDirectory: TopicDirectory
    ) {
        self.store = store
        self.knownQueues = knownQueues
        self.coding = coding
        self.queueConfigs = Dictionary(queueConfigs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.topicDirectory = topicDirectory
    }

    /// The same client, encoding values with `coding`.
    public func encoding(with coding: JSONCoding) -> QueueClient {
        QueueClient(store: store, knownQueues: knownQueues, coding: coding, queueConfigs: Array(queueConfigs.values), topicDirectory: topicDirectory)
    }

    /// Sends `value` encoded as JSON to `queue`.
    ///
    /// - Returns: The new message's identity.
    /// - Throws: ``SendError`` for an unknown queue or an unencodable value;
    ///   ``DeliveryOptionsError`` for a FIFO queue (send with ``send(_:to:options:)`` and a
    ///   group instead); store errors.
    @discardableResult
    public func send<Value: Encodable>(_ value: Value, to queue: String, delay: Duration = .zero) async throws -> MessageID {
        let queued = try message(value, to: queue, delay: delay)
        try await store.send([queued.message], to: queue)
        return queued.message.id
    }

    /// The message ``send(_:to:delay:)`` would store, without storing it: the queue is
    /// checked and the value encoded (a handler's outbox holds these until its batch settles).
    ///
    /// - Throws: ``SendError`` for an unknown queue or an unencodable value.
    package func message<Value: Encodable>(_ value: Value, to queue: String, delay: Duration = .zero) throws -> QueuedMessage {
        QueuedMessage(queue: queue, message: try prepare(value, to: queue, options: DeliveryOptions(delay: delay)).message)
    }

    /// Sends raw body bytes to `queue`.
    ///
    /// - Returns: The new message's identity.
    @discardableResult
    public func send(body: Data, to queue: String, delay: Duration = .zero) async throws -> MessageID {
        try await send(body: body, to: queue, options: DeliveryOptions(delay: delay)).id
    }

    /// Sends raw body bytes to `queue` unless `key` was used within `window`. On a store
    /// that keeps deduplication keys (memory, SQLite) the check is durable and shared by
    /// every host of the store; on others only the send happens.
    ///
    /// - Returns: The message the key names, and whether this send was a duplicate.
    public func send(body: Data, to queue: String, deduplicationKey key: String, window: Duration) async throws -> SendReceipt {
        try checkKnown(queue)
        let message = try config(of: queue).prepare(body, options: DeliveryOptions()).message
        if let store = store as? any DeduplicatingQueueStore {
            return try await store.send(message, to: queue, deduplicationKey: key, window: window)
        }
        try await store.send([message], to: queue)
        return SendReceipt(id: message.id, isDuplicate: false)
    }

    /// Sends several bodies to `queue` in one store call.
    ///
    /// - Returns: The new messages' identities, in order.
    @discardableResult
    public func send(bodies: [Data], to queue: String, delay: Duration = .zero) async throws -> [MessageID] {
        try checkKnown(queue)
        // A FIFO queue refuses these (no group), so nothing here is deduplicated.
        let prepared = try bodies.map { try config(of: queue).prepare($0, options: DeliveryOptions(delay: delay)) }
        try await store.send(prepared.map(\.message), to: queue)
        return prepared.map(\.message.id)
    }

    package func checkKnownQueue(_ queue: String) throws {
        try checkKnown(queue)
    }

    func checkKnown(_ queue: String) throws {
        guard let knownQueues, !knownQueues.contains(queue) else { return }
        let known = knownQueues.sorted().joined(separator: ", ")
        var text = "unknown queue '\(queue)'; declare it under \"queues\" in functions.json (known queues: \(known))"
        if let guess = Suggestion.closest(to: queue, in: knownQueues) { text += "; did you mean '\(guess)'?" }
        throw SendError(description: text)
    }
}
