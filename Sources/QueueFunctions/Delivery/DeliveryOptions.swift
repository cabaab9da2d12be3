import Foundation

/// How one message is to be delivered, as a producer asks for it (CLI flags, HTTP headers,
/// `context.send` arguments). ``QueueConfig/prepare(_:options:)`` checks it against the
/// queue and turns it into an ``OutgoingMessage``.
public struct DeliveryOptions: Sendable, Equatable {
    /// How long to hide the message before its first delivery.
    public var delay: Duration
    /// When to deliver it first; wins over `delay`.
    public var at: Date?
    /// 0–9; nil for the queue's default priority.
    public var priority: Int?
    /// The FIFO message group; required on FIFO queues, refused on others.
    public var groupID: String?
    /// The FIFO deduplication id; a second send with the same id within the queue's
    /// window stores nothing and returns the first message's id.
    public var deduplicationID: String?
    /// String key/value pairs that travel with the message (see ``MessageAttributes``).
    public var attributes: [String: String]

    /// Creates delivery options; every one is optional.
    public init(
        delay: Duration = .zero, at: Date? = nil, priority: Int? = nil, groupID: String? = nil,
        deduplicationID: String? = nil, attributes: [String: String] = [:]
    ) {
        self.delay = delay
        self.at = at
        self.priority = priority
        self.groupID = groupID
        self.deduplicationID = deduplicationID
        self.attributes = attributes
    }
}

/// A message ready for the store, with the deduplication its queue asks for.
public struct PreparedSend: Sendable {
    /// The message to store.
    public var message: OutgoingMessage
    /// The store-wide deduplication key, when the queue deduplicates this message.
    public var deduplicationKey: String?
    /// How long the key is remembered.
    public var deduplicationWindow: Duration
}

/// Delivery options that do not fit the queue they are sent to.
public struct DeliveryOptionsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was wrong, where, and how to fix it.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}

extension QueueConfig {
    /// The longest group or deduplication id (SQS: 128 characters).
    public static let maximumIDLength = 128

    /// Checks `options` against this queue and builds the message to store.
    ///
    /// - Throws: ``DeliveryOptionsError`` (a group on a standard queue, none on a FIFO
    ///   queue, a priority outside 0–9, a bad id) or ``MessageAttributes/LimitError``.
    public func prepare(_ body: Data, options: DeliveryOptions, id: MessageID = .generate()) throws -> PreparedSend {
        try MessageAttributes.validate(options.attributes)
        let priority = options.priority ?? delivery.defaultPriority
        guard MessagePriority.range.contains(priority) else {
            throw DeliveryOptionsError("priority \(priority) for queue '\(name)' is out of range; use 0 (lowest) to 9 (highest)")
        }
        if let group = options.groupID { try Self.checkID(group, kind: "message group id", queue: name) }
        if let dedup = options.deduplicationID { try Self.checkID(dedup, kind: "deduplication id", queue: name) }
        var key: String?
        if delivery.fifo {
            guard options.groupID != nil else {
                throw DeliveryOptionsError("queue '\(name)' is a FIFO queue: every message needs a message group id "
                    + "(CLI --group, HTTP header X-Message-Group-Id, context.send(…, group:))")
            }
            if let dedup = options.deduplicationID {
                key = "fifo|\(name)|id|\(dedup)"
            } else if delivery.contentBasedDeduplication {
                key = "fifo|\(name)|body|\(MD5.hex(body))"
            }
        } else {
            if options.groupID != nil {
                throw DeliveryOptionsError("queue '\(name)' is not a FIFO queue, so a message group id means nothing there; "
                    + "drop it, or set \"fifo\": true on the queue in functions.json")
            }
            if options.deduplicationID != nil {
                throw DeliveryOptionsError("queue '\(name)' is not a FIFO queue, so it does not deduplicate; drop the "
                    + "deduplication id, or set \"fifo\": true on the queue in functions.json")
            }
        }
        let message = OutgoingMessage(
            body: body, delay: options.delay, id: id, attributes: options.attributes, scheduledAt: options.at,
            priority: priority, groupID: options.groupID
        )
        return PreparedSend(message: message, deduplicationKey: key, deduplicationWindow: delivery.deduplicationWindow)
    }

    private static func checkID(_ value: String, kind: String, queue: String) throws {
        let printable = value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x21 && $0.value <= 0x7E }
        guard !value.isEmpty, value.count <= maximumIDLength, printable else {
            throw DeliveryOptionsError("\(kind) '\(value.prefix(40))' for queue '\(queue)' must be 1–\(maximumIDLength) "
                + "printable ASCII characters without spaces")
        }
    }
}
