import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// `send QUEUE BODY|@FILE|- [--delay D | --at TIME] [--priority N] [--group G] [--deduplication-id ID] [--attribute K=V]…`:
/// sends one message.
enum SendCommand {
    static let usage = "send QUEUE BODY|@FILE|- [--delay D | --at TIME] [--priority 0-9] [--group G] [--deduplication-id ID] [--attribute NAME=VALUE]… [--json]"

    struct Sent: Encodable {
        var id: String
        var queue: String
        var delaySeconds: Double
        /// The scheduled time, RFC 3339, when sent with --at.
        var at: String?
        var priority: Int
        var group: String?
        /// Whether a FIFO queue dropped the send as a duplicate (the id is the original's).
        var duplicate: Bool

        enum CodingKeys: String, CodingKey {
            case id, queue, at, priority, group, duplicate
            case delaySeconds = "delay_seconds"
        }
    }

    static func run(_ context: CommandContext) async throws {
        let queueName = try context.word(0, "the queue name", usage: usage)
        let bodyArgument = try context.word(1, "the message body", usage: usage)
        var options = try deliveryOptions(context)
        options.attributes = try context.attributes()
        let manifest = try context.loadManifest()
        _ = try context.knownQueue(queueName, in: manifest)
        let prepared: PreparedSend
        do {
            prepared = try (manifest.queue(named: queueName) ?? QueueConfig(name: queueName)).prepare(readBody(bodyArgument), options: options)
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError.usage("\(error)")
        }
        let store = try await context.openStore()
        defer { Task { await store.close() } }
        let receipt: SendReceipt
        do {
            receipt = try await QueueClient(store: store, queueConfigs: manifest.queues).send(prepared, to: queueName)
        } catch {
            throw CommandError.failed("could not send to '\(queueName)': \(error)")
        }
        await store.close()
        if context.wantsJSON {
            try context.printJSON(Sent(
                id: receipt.id.rawValue, queue: queueName, delaySeconds: options.delay.timeInterval,
                at: options.at.map { $0.formatted(.iso8601) }, priority: prepared.message.priority, group: options.groupID,
                duplicate: receipt.isDuplicate
            ))
        } else {
            context.output.line(receipt.id.rawValue)
        }
    }

    /// `--delay`, `--at`, `--priority`, `--group` and `--deduplication-id`, each checked.
    static func deliveryOptions(_ context: CommandContext) throws -> DeliveryOptions {
        var options = DeliveryOptions(delay: try context.duration("--delay", in: InputLimits.messageDelay) ?? .zero)
        if let at = context.arguments.value("--at") {
            guard context.arguments.value("--delay") == nil else {
                throw CommandError.usage("give --delay or --at, not both: --at is a time, --delay a wait from now")
            }
            do {
                options.at = try InputDate.timestamp(at, name: "--at")
            } catch {
                throw CommandError.usage("\(error)")
            }
        }
        options.priority = try context.integer("--priority", in: InputLimits.messagePriority)
        options.groupID = context.arguments.value("--group")
        options.deduplicationID = context.arguments.value("--deduplication-id")
        return options
    }

    /// The body from an inline argument, `@FILE` or `-` (standard input).
    static func readBody(_ argument: String) throws -> Data {
        if argument == "-" {
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        if argument.hasPrefix("@") {
            let path = String(argument.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandError.failed("cannot read the body file '\(path)': it does not exist or is not readable")
            }
            return data
        }
        return Data(argument.utf8)
    }
}
