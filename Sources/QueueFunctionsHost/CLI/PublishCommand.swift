import QueueFunctions
import Foundation

/// `publish TOPIC BODY|@FILE|- [--attribute NAME=VALUE]…`: publishes one message to a topic.
enum PublishCommand {
    static let usage = "publish TOPIC BODY|@FILE|- [--attribute NAME=VALUE]… [--json]"

    struct Published: Encodable {
        struct Delivery: Encodable {
            var queue: String
            var id: String
        }

        var topic: String
        var deliveries: [Delivery]
    }

    static func run(_ context: CommandContext) async throws {
        let topicName = try context.word(0, "the topic name", usage: usage)
        let bodyArgument = try context.word(1, "the message body", usage: usage)
        let attributes = try context.attributes()
        let manifest = try context.loadManifest()
        guard manifest.topic(named: topicName) != nil else {
            let names = manifest.topics.map(\.name)
            var text = "unknown topic '\(topicName)'"
            if let guess = Suggestion.closest(to: topicName, in: names) { text += "; did you mean '\(guess)'?" }
            text += names.isEmpty ? " This manifest declares no topics; add one under \"topics\" in functions.json."
                : " Known topics: \(names.joined(separator: ", "))."
            throw CommandError.failed(text)
        }
        let body = try SendCommand.readBody(bodyArgument)
        let store = try await context.openStore()
        defer { Task { await store.close() } }
        let receipt: PublishReceipt
        do {
            receipt = try await QueueClient(store: store, knownQueues: Set(manifest.queues.map(\.name)), topics: manifest.topics)
                .publish(body: body, to: topicName, attributes: attributes)
        } catch {
            throw CommandError.failed("could not publish to '\(topicName)': \(error); no queue got a copy")
        }
        await store.close()
        if context.wantsJSON {
            try context.printJSON(Published(topic: topicName, deliveries: receipt.deliveries.map { .init(queue: $0.queue, id: $0.id.rawValue) }))
        } else if receipt.deliveries.isEmpty {
            context.output.line("no subscription of '\(topicName)' matches these attributes; nothing was delivered")
        } else {
            for delivery in receipt.deliveries { context.output.line("\(delivery.queue) \(delivery.id.rawValue)") }
        }
    }
}

extension CommandContext {
    /// The `--attribute NAME=VALUE` options, checked.
    ///
    /// - Throws: ``CommandError/usage(_:)`` saying what was wrong and how to write it.
    func attributes() throws -> [String: String] {
        do {
            return try MessageAttributeInput.parse(pairs: arguments.allValues("--attribute"))
        } catch {
            throw CommandError.usage("\(error.message); \(error.fix)")
        }
    }
}
