import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// `dlq list|redrive|purge QUEUE`.
enum DeadLetterCommand {
    static let usage = "dlq list|redrive|purge QUEUE [--to QUEUE] [--limit N] [--yes] [--json]"

    struct Listed: Encodable {
        var id: String
        var queue: String
        var sourceQueue: String?
        var receiveCount: Int
        var reason: String?
        var deadLetteredAt: Date?
        var sentAt: Date
        var body: String
        var failures: [FailureRecord]

        enum CodingKeys: String, CodingKey {
            case id, queue, reason, body, failures
            case sourceQueue = "source_queue"
            case receiveCount = "receive_count"
            case deadLetteredAt = "dead_lettered_at"
            case sentAt = "sent_at"
        }
    }

    struct Moved: Encodable {
        var action: String
        var queue: String
        var count: Int
    }

    static func run(_ context: CommandContext) async throws {
        let action = try context.word(0, "the action (list, redrive or purge)", usage: usage)
        let name = try context.word(1, "the queue", usage: usage)
        let manifest = try context.loadManifest()
        let source = try context.knownQueue(name, in: manifest)
        let dlq = manifest.deadLetterQueue(meant: source.name)
        switch action {
        case "list":
            let limit = try context.integer("--limit", in: InputLimits.listLimit) ?? 100
            let store = try await context.openStore()
            let messages = try await catchingStore { try await store.peek(dlq, limit: limit) }
            await store.close()
            try printList(messages, queue: dlq, context: context)
        case "redrive":
            let destination = context.arguments.value("--to")
            if let destination { _ = try context.knownQueue(destination, in: manifest) }
            let limit = try context.integer("--limit", in: InputLimits.redriveLimit) ?? .max
            let store = try await context.openStore()
            let count = try await catchingStore { try await store.redrive(from: dlq, to: destination, limit: limit) }
            await store.close()
            if context.wantsJSON {
                try context.printJSON(Moved(action: "redrive", queue: dlq, count: count))
            } else {
                context.output.line("moved \(count) message(s) from \(dlq) back to \(destination ?? "their source queues")")
            }
        case "purge":
            guard context.arguments.has("--yes") else {
                throw CommandError.usage("purge deletes every message of \(dlq) for good; add --yes to confirm")
            }
            let store = try await context.openStore()
            let count = try await catchingStore { try await store.purge(dlq) }
            await store.close()
            if context.wantsJSON {
                try context.printJSON(Moved(action: "purge", queue: dlq, count: count))
            } else {
                context.output.line("deleted \(count) message(s) from \(dlq)")
            }
        default:
            throw CommandError.usage("unknown dlq action '\(action)'. Usage: \(usage)")
        }
    }

    private static func catchingStore<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError.failed("\(error)")
        }
    }

    private static func printList(_ messages: [StoredMessage], queue: String, context: CommandContext) throws {
        if context.wantsJSON {
            try context.printJSON(messages.map { message in
                Listed(
                    id: message.id.rawValue, queue: message.queue, sourceQueue: message.deadLetter?.sourceQueue,
                    receiveCount: message.deadLetter?.receiveCount ?? message.receiveCount, reason: message.deadLetter?.reason,
                    deadLetteredAt: message.deadLetter?.at, sentAt: message.sentAt,
                    body: String(decoding: message.body, as: UTF8.self), failures: message.failures
                )
            })
            return
        }
        guard !messages.isEmpty else {
            context.output.line("\(queue) is empty")
            return
        }
        var table = TextTable(["ID", "FROM", "RECEIVES", "DEAD-LETTERED", "REASON", "BODY"])
        for message in messages {
            let body = String(decoding: message.body.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            table.add([
                message.id.rawValue, message.deadLetter?.sourceQueue ?? "-",
                "\(message.deadLetter?.receiveCount ?? message.receiveCount)",
                message.deadLetter.map { LogFormat.timestamp($0.at) } ?? "-",
                String((message.deadLetter?.reason ?? "-").prefix(70)), body,
            ])
        }
        context.output.line(table.render())
        context.output.line("\(messages.count) message(s) in \(queue)")
    }
}
