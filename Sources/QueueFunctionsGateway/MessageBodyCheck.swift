import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// Checks a message body before it is queued: it must be JSON, and it must decode
/// as the message type of every function its queue triggers, exactly as a worker
/// would decode it. A body refused here would only be dead-lettered later.
struct MessageBodyCheck: Sendable {
    /// A function whose handler will receive messages of a queue.
    struct Consumer: Sendable {
        /// The function's name.
        var function: String
        /// The handler's message type name.
        var messageType: String
        /// Nil when a body decodes, else the decoding error.
        var validate: @Sendable (Data) -> String?
    }

    /// The consumers of each queue, in manifest order.
    let consumersByQueue: [String: [Consumer]]

    /// Collects the consumers of every queue from the host's functions.
    init(runners: [FunctionRunner]) {
        var consumers: [String: [Consumer]] = [:]
        for runner in runners {
            consumers[runner.function.trigger.queue, default: []].append(Consumer(
                function: runner.function.name, messageType: runner.entry.messageTypeName, validate: runner.entry.validate
            ))
        }
        consumersByQueue = consumers
    }

    /// Parses `body` and checks it against the message types of `queue`'s functions.
    ///
    /// - Returns: The parsed JSON, or the reason for a `400`, naming what is wrong and how to fix it.
    func check(_ body: Data, for queue: String) -> Result<JSONValue, Refusal> {
        guard !body.isEmpty else {
            return .failure(Refusal("The request body is empty. Send the message for queue '\(queue)' as a JSON document, "
                + "for example {\"id\": 1}."))
        }
        if let location = UTF8Location.firstInvalid(in: body) {
            return .failure(Refusal("The request body is not valid UTF-8 at line \(location.line), column \(location.column). "
                + "Send the message as JSON text encoded in UTF-8."))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(String(decoding: body, as: UTF8.self))
        } catch {
            let message = error.message.replacingOccurrences(of: "the file", with: "the body")
            let path = error.path == "$" ? "" : " (at \(error.path))"
            return .failure(Refusal("The request body is not valid JSON: \(message) at line \(error.location.line), "
                + "column \(error.location.column)\(path). Fix: \(error.fix)."))
        }
        for consumer in consumersByQueue[queue] ?? [] {
            if let problem = consumer.validate(body) {
                return .failure(Refusal("The request body is not a valid \(consumer.messageType), the message type of function "
                    + "'\(consumer.function)' on queue '\(queue)': \(problem). Send a body that decodes as \(consumer.messageType)."))
            }
        }
        return .success(value)
    }

    /// Why a body was refused.
    struct Refusal: Error, Sendable {
        /// What is wrong and how to fix it.
        var message: String

        init(_ message: String) { self.message = message }
    }
}

extension JSONValue {
    /// The value of the top-level member `key` as an idempotency key: a string as is,
    /// a number as written; nil when absent, null, or another kind.
    func idempotencyKey(member key: String) -> String? {
        guard case .object(let members) = kind, let member = members.last(where: { $0.key == key }) else { return nil }
        switch member.value.kind {
        case .string(let text): return text.isEmpty ? nil : text
        case .number(_, let text): return text
        default: return nil
        }
    }
}
