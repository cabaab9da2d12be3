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
            functions: host.manifest.functions.filter { $0.trigger.queue == queue.name }.map(\.name)
        )
    }

    /// `{"queue": …, "messages": […]}`: up to `?limit=` (default 50) messages of `queue`, oldest first.
    func messages(of queue: String, request: HTTPRequest) async throws -> HTTPResponse {
        let limit = try Self.limit(request, default: 50, in: .between(1, Self.maxListLimit))
        let messages = try await host.store.peek(queue, limit: limit)
        return AdminResponses.json(MessageList(queue: queue, messages: messages.map(AdminResponses.Message.init)))
    }

    /// Sends the body to `queue` (after the same checks as a producer route); `?delay=30s` hides it first.
    func send(to queue: QueueConfig, request: HTTPRequest) async throws -> HTTPResponse {
        var delay = Duration.zero
        if let text = request.query("delay") {
            do {
                delay = try InputNumber.duration(text, name: "delay", in: InputLimits.messageDelay)
            } catch {
                throw AdminRefusal(400, "\(error). Write e.g. delay=500ms, delay=30s or delay=5m.")
            }
        }
        if case .failure(let problem) = bodyCheck.check(request.body, for: queue.name) {
            throw AdminRefusal(400, problem.message)
        }
        let id = try await host.queues.send(body: request.body, to: queue.name, delay: delay)
        return ProducerEndpoint.accepted(id: id, queue: queue.name)
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
