import QueueFunctions
import QueueFunctionsHTTP
import Foundation

extension AdminAPI {
    /// The most messages one listing returns.
    static let maxListLimit = 1_000

    /// The manifest's queue called `name`, or a `404` listing the known ones.
    func knownQueue(_ name: String) throws(AdminRefusal) -> QueueConfig {
        if let queue = host.manifest.queue(named: name) { return queue }
        let names = host.manifest.queues.map(\.name)
        var text = "Unknown queue '\(name)'"
        if let guess = Suggestion.closest(to: name, in: names) { text += "; did you mean '\(guess)'?" }
        throw AdminRefusal(404, text + " Known queues: \(names.joined(separator: ", ")). Declare new queues under \"queues\" in functions.json.")
    }

    /// The dead-letter queue of `queue`, or `queue` itself when it is one (as `dlq` on the command line).
    func deadLetterQueue(for queue: QueueConfig) -> String {
        host.manifest.deadLetterQueue(meant: queue.name)
    }

    func isDeadLetterQueue(_ name: String) -> Bool {
        host.manifest.isDeadLetterQueue(name)
    }

    func queueRows() async throws -> [AdminResponses.Queue] {
        var rows: [AdminResponses.Queue] = []
        for queue in host.manifest.queues { rows.append(try await queueRow(queue)) }
        return rows
    }

    func queueRow(_ queue: QueueConfig) async throws -> AdminResponses.Queue {
        let stats = try await host.store.stats(for: queue.name)
        return AdminResponses.Queue(
            name: queue.name, visible: stats.visible, delayed: stats.delayed, inFlight: stats.inFlight, total: stats.total,
            deadLettered: stats.deadLettered, oldestAgeSeconds: stats.oldestAge(at: host.clock.now()).timeInterval,
            deadLetterQueue: queue.deadLetterQueue, isDeadLetterQueue: isDeadLetterQueue(queue.name),
            maxReceiveCount: queue.maxReceiveCount, visibilityTimeoutSeconds: queue.visibilityTimeout.timeInterval,
            functions: host.manifest.functions.filter { $0.trigger.queue == queue.name }.map(\.name),
            scheduled: stats.scheduled, fifo: queue.delivery.fifo, defaultPriority: queue.delivery.defaultPriority
        )
    }

    /// `{"queue": …, "messages": […]}`: up to `?limit=` (default 50) messages of `queue`, oldest first.
    func messages(of queue: String, request: HTTPRequest) async throws -> HTTPResponse {
        let limit = try Self.limit(request, default: 50, in: .between(1, Self.maxListLimit))
        let messages = try await host.store.peek(queue, limit: limit)
        return AdminResponses.json(MessageList(queue: queue, messages: messages.map(AdminResponses.Message.init)))
    }

    /// Sends the body to `queue` (after the same checks as a producer route), with the
    /// delivery options of a producer route: `?delay=30s`, `?at=`, `?priority=`, `?group=`,
    /// `?deduplication_id=` (or their `X-Message-…` headers).
    func send(to queue: QueueConfig, request: HTTPRequest) async throws -> HTTPResponse {
        let prepared: PreparedSend
        do {
            prepared = try DeliveryOptionsInput.prepare(request.body, for: request, queue: queue)
        } catch {
            throw AdminRefusal(400, error.message + " Write e.g. delay=30s, at=2026-12-01T09:00:00Z, priority=5.")
        }
        if case .failure(let problem) = bodyCheck.check(request.body, for: queue.name) {
            throw AdminRefusal(400, problem.message)
        }
        let receipt = try await host.queues.send(prepared, to: queue.name)
        var response = ProducerEndpoint.accepted(id: receipt.id, queue: queue.name)
        if receipt.isDuplicate { response.headers.add(name: "X-Message-Duplicate", value: "true") }
        return response
    }

    /// Cancels message `id` of `queue` when it waits to be delivered: `200` with
    /// `{"id", "queue", "result": "cancelled"}`, `404` when no such message waits, `409` when it is in flight.
    func cancel(_ id: String, on queue: QueueConfig) async throws -> HTTPResponse {
        let result = try await host.queues.cancel(MessageID(id), on: queue.name)
        switch result {
        case .cancelled:
            host.logger.notice("message cancelled from the admin API", [("queue", queue.name), ("id", id)])
            return AdminResponses.json(["id": id, "queue": queue.name, "result": "cancelled"])
        case .notFound:
            throw AdminRefusal(404, "No message \(id) waits on '\(queue.name)': it was never sent there, is already handled, or was moved.")
        case .inFlight:
            throw AdminRefusal(409, "Message \(id) on '\(queue.name)' is being handled now and cannot be cancelled; wait for its outcome.")
        }
    }

    /// Every dead-letter queue with how many messages it holds.
    func deadLetterQueues() async throws -> [AdminResponses.DeadLetterQueue] {
        var rows: [AdminResponses.DeadLetterQueue] = []
        let now = host.clock.now()
        for queue in host.manifest.queues where isDeadLetterQueue(queue.name) {
            let stats = try await host.store.stats(for: queue.name)
            let sources = host.manifest.sourceQueues(ofDeadLetterQueue: queue.name)
            rows.append(AdminResponses.DeadLetterQueue(name: queue.name, sourceQueues: sources, messages: stats.total,
                                                       oldestAgeSeconds: stats.oldestAge(at: now).timeInterval))
        }
        return rows
    }

    /// Moves dead-lettered messages back: to `?to=` or each message's source queue, at most `?limit=`.
    func redrive(_ dlq: String, request: HTTPRequest) async throws -> HTTPResponse {
        let destination = try request.query("to").map { try knownQueue($0).name }
        let limit = try Self.limit(request, default: .max, in: InputLimits.redriveLimit)
        let count = try await host.store.redrive(from: dlq, to: destination, limit: limit)
        host.logger.notice("dead-letter queue redriven from the admin API",
                           [("queue", dlq), ("to", destination ?? "source queues"), ("count", "\(count)")])
        return AdminResponses.json(AdminResponses.Moved(action: "redrive", queue: dlq, count: count))
    }

    /// `?limit=N` within `range`, or `defaultValue` when absent.
    static func limit(_ request: HTTPRequest, default defaultValue: Int, in range: InputRange<Int>) throws(AdminRefusal) -> Int {
        guard let text = request.query("limit") else { return defaultValue }
        do {
            return try InputNumber.whole(text, name: "limit", in: range)
        } catch {
            throw AdminRefusal(400, "\(error). Write e.g. limit=100.")
        }
    }

    private struct MessageList: Encodable {
        var queue: String
        var messages: [AdminResponses.Message]
    }
}
