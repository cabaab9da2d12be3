import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// Producer routes that publish to a topic, and the `X-Attribute-<name>` headers every
/// producer route reads.
extension ProducerEndpoint {
    /// The attributes carried by the request's `X-Attribute-<name>` headers, or the reason for a `400`.
    static func attributes(of request: HTTPRequest) -> Result<[String: String], MessageBodyCheck.Refusal> {
        do {
            return .success(try MessageAttributeInput.parse(headers: request.headers.map { ($0.name, $0.value) }))
        } catch {
            return .failure(MessageBodyCheck.Refusal("The message attributes are not valid: \(error.message). Fix: \(error.fix). "
                + "Attributes are headers named \(MessageAttributeInput.headerPrefix)<name>, such as \(MessageAttributeInput.headerPrefix)Type: order-placed."))
        }
    }

    /// Publishes the request's body to `topic`: checks it against the message type of every
    /// function on a queue that gets a copy, then stores every copy or none, deduplicating
    /// retried posts by `Idempotency-Key` (or the route's idempotency field) in this host.
    func publish(_ request: HTTPRequest, to topic: String, attributes: [String: String], producer: ProducerConfig) async -> HTTPResponse {
        let matching = queues.topics.first { $0.name == topic }?.queues(matching: attributes) ?? []
        var parsed: JSONValue?
        for queue in matching.isEmpty ? [topic] : matching {
            switch bodyCheck.check(request.body, for: queue) {
            case .success(let value): parsed = value
            case .failure(let refusal):
                counters.count(producer.route, .refused)
                return .error(status: 400, refusal.message)
            }
        }
        let key: String?
        switch idempotencyKey(of: request, producer: producer, body: parsed) {
        case .success(let value): key = value
        case .failure(let refusal): return refusal.response
        }
        let message = OutgoingMessage(body: request.body, attributes: attributes)
        guard let key else { return await store(message, topic: topic, producer: producer) }
        let scopedKey = "\(producer.route) \(key)"
        switch await idempotency.claim(scopedKey, now: clock.now()) {
        case .replay(let id):
            counters.count(producer.route, .replayed)
            var response = Self.published(id: id, topic: topic, deliveries: nil)
            response.headers.add(name: "Idempotent-Replayed", value: "true")
            return response
        case .claimed:
            let response = await store(message, topic: topic, producer: producer)
            if response.status == 202 {
                idempotency.complete(scopedKey, id: message.id, now: clock.now())
            } else {
                idempotency.abandon(scopedKey)
            }
            return response
        }
    }

    private func store(_ message: OutgoingMessage, topic: String, producer: ProducerConfig) async -> HTTPResponse {
        do {
            let (receipt, copies) = try queues.prepare(message, to: topic)
            try await TopicFanOut.store(copies, topic: topic, in: queues.store)
            counters.count(producer.route, .accepted)
            return Self.published(id: message.id, topic: topic, deliveries: receipt.deliveries)
        } catch {
            counters.count(producer.route, .failed)
            logger.error("producer route could not publish a message", [("route", producer.route), ("topic", topic), ("error", "\(error)")])
            var response = HTTPResponse.error(status: 503, "The message was not published to topic '\(topic)': \(error). "
                + "No queue got a copy; retry the request (with the same Idempotency-Key, if any).")
            response.headers.add(name: "Retry-After", value: "1")
            return response
        }
    }

    /// `202 Accepted` with `{"id": …, "topic": …, "deliveries": [{"queue": …, "id": …}, …]}`; the
    /// publish id (the first copy's) is also in `X-Message-Id`. A replayed post has no deliveries list.
    static func published(id: MessageID, topic: String, deliveries: [PublishReceipt.Delivery]?) -> HTTPResponse {
        var body = "{\"id\": \(JSONText.string(id.rawValue)), \"topic\": \(JSONText.string(topic))"
        if let deliveries {
            let list = deliveries.map { "{\"queue\": \(JSONText.string($0.queue)), \"id\": \(JSONText.string($0.id.rawValue))}" }
            body += ", \"deliveries\": [\(list.joined(separator: ", "))]"
        }
        var response = HTTPResponse.json(status: 202, body + "}")
        response.headers.add(name: "X-Message-Id", value: id.rawValue)
        return response
    }
}
