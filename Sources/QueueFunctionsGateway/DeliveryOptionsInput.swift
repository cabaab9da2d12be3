import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// Reads a message's delivery options from a producer or admin request, each value
/// through the checked parsers: a header, or the query parameter of the same meaning.
///
/// | Option | Header | Query |
/// |---|---|---|
/// | time | `X-Message-Scheduled-At: 2026-12-01T09:00:00Z` | `at=` |
/// | delay | `X-Message-Delay: 30s` | `delay=` |
/// | priority 0–9 | `X-Message-Priority: 7` | `priority=` |
/// | FIFO group | `X-Message-Group-Id: customer-42` | `group=` |
/// | deduplication id | `X-Message-Deduplication-Id: order-1001` | `deduplication_id=` |
enum DeliveryOptionsInput {
    /// A value that cannot be read: answered with `400` and this message.
    struct Refusal: Error, Sendable {
        var message: String
    }

    /// The options given on `request` (the header wins over the query parameter).
    static func parse(_ request: HTTPRequest) throws(Refusal) -> DeliveryOptions {
        var options = DeliveryOptions()
        func value(_ header: String, _ query: String) -> (String, String)? {
            if let text = request.headers[header] { return (text, header) }
            if let text = request.query(query) { return (text, query) }
            return nil
        }
        do {
            if let (text, name) = value("X-Message-Delay", "delay") {
                options.delay = try InputNumber.duration(text, name: name, in: InputLimits.messageDelay)
            }
            if let (text, name) = value("X-Message-Scheduled-At", "at") {
                options.at = try InputDate.timestamp(text, name: name)
            }
            if let (text, name) = value("X-Message-Priority", "priority") {
                options.priority = try InputNumber.whole(text, name: name, in: InputLimits.messagePriority)
            }
        } catch {
            throw Refusal(message: "\(error).")
        }
        if options.at != nil, options.delay > .zero {
            throw Refusal(message: "Give a delay or a scheduled time (at), not both: at is a time, delay a wait from now.")
        }
        options.groupID = value("X-Message-Group-Id", "group")?.0
        options.deduplicationID = value("X-Message-Deduplication-Id", "deduplication_id")?.0
        return options
    }

    /// The message `queue` would store for `body` and `request`'s options.
    static func prepare(
        _ body: Data, for request: HTTPRequest, queue: QueueConfig, attributes: [String: String] = [:]
    ) throws(Refusal) -> PreparedSend {
        var options = try parse(request)
        options.attributes = attributes
        do {
            return try queue.prepare(body, options: options)
        } catch {
            throw Refusal(message: "\(error).")
        }
    }
}
