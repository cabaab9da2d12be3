import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// The JSON bodies of the admin API. Keys are snake_case, dates ISO 8601, absent values `null`.
enum AdminResponses {
    /// A queue and its counts (`GET /api/queues`).
    struct Queue: Encodable {
        var name: String
        var visible: Int
        var delayed: Int
        var inFlight: Int
        var total: Int
        var deadLettered: Int
        var oldestAgeSeconds: Double
        var deadLetterQueue: String?
        var isDeadLetterQueue: Bool
        var maxReceiveCount: Int
        var visibilityTimeoutSeconds: Double
        var functions: [String]
        /// Of `delayed`, the messages never delivered yet (sent for a time or after a delay).
        var scheduled: Int
        var fifo: Bool
        var defaultPriority: Int

        enum CodingKeys: String, CodingKey {
            case name, visible, delayed, inFlight, total, deadLettered, oldestAgeSeconds, deadLetterQueue
            case isDeadLetterQueue, maxReceiveCount, visibilityTimeoutSeconds, functions
            case scheduled, fifo, defaultPriority
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(visible, forKey: .visible)
            try container.encode(delayed, forKey: .delayed)
            try container.encode(inFlight, forKey: .inFlight)
            try container.encode(total, forKey: .total)
            try container.encode(deadLettered, forKey: .deadLettered)
            try container.encode(oldestAgeSeconds, forKey: .oldestAgeSeconds)
            try container.encode(deadLetterQueue, forKey: .deadLetterQueue)
            try container.encode(isDeadLetterQueue, forKey: .isDeadLetterQueue)
            try container.encode(maxReceiveCount, forKey: .maxReceiveCount)
            try container.encode(visibilityTimeoutSeconds, forKey: .visibilityTimeoutSeconds)
            try container.encode(functions, forKey: .functions)
            try container.encode(scheduled, forKey: .scheduled)
            try container.encode(fifo, forKey: .fifo)
            try container.encode(defaultPriority, forKey: .defaultPriority)
        }
    }

    /// A function with its workers and counters (`GET /api/functions`).
    struct Function: Encodable {
        var name: String
        var handler: String
        var messageType: String
        var queue: String
        var batchSize: Int
        var minWorkers: Int
        var maxWorkers: Int
        var workers: Int
        var desiredWorkers: Int
        var busyWorkers: Int
        var visible: Int
        var inFlight: Int
        var invocations: Int
        var succeeded: Int
        var retried: Int
        var deadLettered: Int
        var failedInvocations: Int
        var timeouts: Int
        var coldStarts: Int
        var coldStartSeconds: Double
        var durationSecondsSum: Double
        var stuckWorkers: Int
        var renewedLeases: Int
        var lostLeases: Int
        var droppedSettlements: Int
        var factoryFailure: FunctionMetrics.OngoingFailure?
        var storeFailure: FunctionMetrics.OngoingFailure?
        /// What is wrong now, one sentence each ("handler factory failing since …: …").
        var problems: [String]
    }

    /// A stored message (`GET /api/queues/{queue}/messages`, `GET /api/dlq/{queue}`).
    struct Message: Encodable {
        var id: String
        var queue: String
        var state: String
        var stateUntil: Date?
        var sentAt: Date
        var receiveCount: Int
        var firstReceivedAt: Date?
        var body: String
        var failures: [Failure]
        var deadLetter: DeadLetter?
        var attributes: [String: String]
        var priority: Int
        var groupId: String?

        struct Failure: Encodable {
            var attempt: Int
            var at: Date
            var error: String
        }

        struct DeadLetter: Encodable {
            var sourceQueue: String
            var receiveCount: Int
            var reason: String
            var at: Date
        }

        enum CodingKeys: String, CodingKey {
            case id, queue, state, stateUntil, sentAt, receiveCount, firstReceivedAt, body, failures, deadLetter
            case attributes, priority, groupId
        }

        init(_ message: StoredMessage) {
            id = message.id.rawValue
            queue = message.queue
            switch message.state {
            case .visible: state = "visible"
            case .delayed(let until): state = "delayed"; stateUntil = until
            case .inFlight(let until): state = "in_flight"; stateUntil = until
            }
            sentAt = message.sentAt
            receiveCount = message.receiveCount
            firstReceivedAt = message.firstReceivedAt
            body = String(decoding: message.body, as: UTF8.self)
            failures = message.failures.map { Failure(attempt: $0.attempt, at: $0.at, error: $0.error) }
            deadLetter = message.deadLetter.map {
                DeadLetter(sourceQueue: $0.sourceQueue, receiveCount: $0.receiveCount, reason: $0.reason, at: $0.at)
            }
            attributes = message.attributes
            priority = message.priority
            groupId = message.groupID
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(queue, forKey: .queue)
            try container.encode(state, forKey: .state)
            try container.encode(stateUntil, forKey: .stateUntil)
            try container.encode(sentAt, forKey: .sentAt)
            try container.encode(receiveCount, forKey: .receiveCount)
            try container.encode(firstReceivedAt, forKey: .firstReceivedAt)
            try container.encode(body, forKey: .body)
            try container.encode(failures, forKey: .failures)
            try container.encode(deadLetter, forKey: .deadLetter)
            try container.encode(attributes, forKey: .attributes)
            try container.encode(priority, forKey: .priority)
            try container.encode(groupId, forKey: .groupId)
        }
    }

    /// A dead-letter queue and what it holds (`GET /api/dlq`).
    struct DeadLetterQueue: Encodable {
        var name: String
        var sourceQueues: [String]
        var messages: Int
        var oldestAgeSeconds: Double
    }

    /// A host event (`GET /api/events`).
    struct Event: Encodable {
        var time: Date
        var kind: String
        var function: String?
        var message: String

        enum CodingKeys: String, CodingKey { case time, kind, function, message }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(time, forKey: .time)
            try container.encode(kind, forKey: .kind)
            try container.encode(function, forKey: .function)
            try container.encode(message, forKey: .message)
        }
    }

    /// The answer to a redrive or purge, the same shape as `dlq redrive|purge --json`.
    struct Moved: Encodable {
        var action: String
        var queue: String
        var count: Int
    }

    /// The host itself (`GET /api/host`).
    struct Host: Encodable {
        var store: String
        var startedAt: Date
        var uptimeSeconds: Double
        var functions: Int
        var queues: Int
        var routes: [String]
        var adminTokenRequired: Bool
        /// Every host serving the store (from the store's heartbeat registry), this one included.
        var liveHosts: [HostRecord]
        /// Whether the store answers; where it is; since when and why not.
        var storeStatus: StoreReachability.Status
    }

    /// A JSON response encoding `value` with snake_case keys, sorted, and ISO 8601 dates.
    static func json<Value: Encodable>(_ value: Value, status: Int = 200) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return HTTPResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8"],
                                body: try encoder.encode(value))
        } catch {
            return .error(status: 500, "The response could not be encoded as JSON: \(error). This is a bug; please report it.")
        }
    }
}
