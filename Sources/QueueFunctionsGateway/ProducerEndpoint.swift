import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// Answers posts to the manifest's producer routes: checks the body, deduplicates
/// retried posts by idempotency key, and answers `202 Accepted` with the message id
/// only once the store has accepted the message.
struct ProducerEndpoint: Sendable {
    /// The longest `Idempotency-Key` accepted, in bytes.
    static let maxKeyLength = 255

    let queues: QueueClient
    let clock: any HostClock
    let bodyCheck: MessageBodyCheck
    let idempotency: IdempotencyCache
    let counters: ProducerCounters
    let logger: QueueLogger

    /// Handles one request for `producer`.
    func respond(to request: HTTPRequest, producer: ProducerConfig) async -> HTTPResponse {
        let attributes: [String: String]
        switch Self.attributes(of: request) {
        case .success(let value): attributes = value
        case .failure(let refusal):
            counters.count(producer.route, .refused)
            return .error(status: 400, refusal.message)
        }
        if let topic = producer.topic {
            return await publish(request, to: topic, attributes: attributes, producer: producer)
        }
        let parsed: JSONValue
        switch bodyCheck.check(request.body, for: producer.queue) {
        case .success(let value): parsed = value
        case .failure(let refusal):
            counters.count(producer.route, .refused)
            return .error(status: 400, refusal.message)
        }
        let prepared: PreparedSend
        do {
            prepared = try DeliveryOptionsInput.prepare(
                request.body, for: request, queue: queues.config(of: producer.queue), attributes: attributes
            )
        } catch {
            counters.count(producer.route, .refused)
            return .error(status: 400, error.message)
        }
        let key: String?
        switch idempotencyKey(of: request, producer: producer, body: parsed) {
        case .success(let value): key = value
        case .failure(let refusal): return refusal.response
        }
        guard let key else { return await send(prepared, producer: producer).response }
        let scopedKey = "\(producer.route) \(key)"
        switch await idempotency.claim(scopedKey, now: clock.now()) {
        case .replay(let id):
            counters.count(producer.route, .replayed)
            var response = Self.accepted(id: id, queue: producer.queue)
            response.headers.add(name: "Idempotent-Replayed", value: "true")
            return response
        case .claimed:
            // The store deduplicates too, so the key holds across hosts and restarts.
            let (response, id) = await send(prepared, producer: producer, deduplicationKey: scopedKey)
            if let id {
                idempotency.complete(scopedKey, id: id, now: clock.now())
            } else {
                idempotency.abandon(scopedKey)
            }
            return response
        }
    }

    /// Queues `prepared` (deduplicated by `deduplicationKey` when given, else as its FIFO
    /// queue asks); the response to give, and the message id when it was queued.
    private func send(
        _ prepared: PreparedSend, producer: ProducerConfig, deduplicationKey: String? = nil
    ) async -> (response: HTTPResponse, id: MessageID?) {
        do {
            var prepared = prepared
            if let deduplicationKey {
                prepared.deduplicationKey = deduplicationKey
                prepared.deduplicationWindow = idempotency.window
            }
            let receipt = try await queues.send(prepared, to: producer.queue)
            var response = Self.accepted(id: receipt.id, queue: producer.queue)
            if receipt.isDuplicate {
                counters.count(producer.route, .replayed)
                response.headers.add(name: "Idempotent-Replayed", value: "true")
            } else {
                counters.count(producer.route, .accepted)
            }
            return (response, receipt.id)
        } catch {
            counters.count(producer.route, .failed)
            logger.error("producer route could not queue a message", [("route", producer.route), ("queue", producer.queue),
                                                                        ("error", "\(error)")])
            var response = HTTPResponse.error(status: 503, "The message was not queued on '\(producer.queue)': \(error). "
                + "Nothing was sent; retry the request (with the same Idempotency-Key, if any).")
            response.headers.add(name: "Retry-After", value: "1")
            return (response, nil)
        }
    }

    /// `202 Accepted` with `{"id": …, "queue": …}`; the id is also in `X-Message-Id`.
    static func accepted(id: MessageID, queue: String) -> HTTPResponse {
        var response = HTTPResponse.json(status: 202, "{\"id\": \(JSONText.string(id.rawValue)), \"queue\": \(JSONText.string(queue))}")
        response.headers.add(name: "X-Message-Id", value: id.rawValue)
        return response
    }
}

extension ProducerEndpoint {
    /// A malformed `Idempotency-Key` header, answered with 400.
    struct IdempotencyKeyRefusal: Error {
        /// The answer to send.
        var response: HTTPResponse
    }

    /// The key that deduplicates retried posts: the `Idempotency-Key` header, else the
    /// route's `idempotency_field` of the body (nil when neither is there).
    func idempotencyKey(of request: HTTPRequest, producer: ProducerConfig, body: JSONValue?) -> Result<String?, IdempotencyKeyRefusal> {
        if let header = request.headers["Idempotency-Key"] {
            guard !header.isEmpty, header.utf8.count <= Self.maxKeyLength else {
                counters.count(producer.route, .refused)
                return .failure(IdempotencyKeyRefusal(response: .error(status: 400,
                    "The Idempotency-Key header must hold 1 to \(Self.maxKeyLength) characters; "
                        + "it has \(header.utf8.count). Send a short unique value, such as a UUID, and repeat it on retries.")))
            }
            return .success(header)
        }
        guard let field = producer.idempotencyField else { return .success(nil) }
        return .success(body?.idempotencyKey(member: field))
    }
}
