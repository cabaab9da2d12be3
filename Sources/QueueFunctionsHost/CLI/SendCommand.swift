import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// `send QUEUE BODY|@FILE|- [--delay D]`: sends one message.
enum SendCommand {
    static let usage = "send QUEUE BODY|@FILE|- [--delay D] [--attribute NAME=VALUE]… [--json]"

    struct Sent: Encodable {
        var id: String
        var queue: String
        var delaySeconds: Double

        enum CodingKeys: String, CodingKey {
            case id, queue
            case delaySeconds = "delay_seconds"
        }
    }

    static func run(_ context: CommandContext) async throws {
        let queueName = try context.word(0, "the queue name", usage: usage)
        let bodyArgument = try context.word(1, "the message body", usage: usage)
        let delay = try context.duration("--delay", in: InputLimits.messageDelay) ?? .zero
        let attributes = try context.attributes()
        let manifest = try context.loadManifest()
        _ = try context.knownQueue(queueName, in: manifest)
        let body = try readBody(bodyArgument)
        let store = try await context.openStore()
        defer { Task { await store.close() } }
        let id: MessageID
        do {
            id = try await QueueClient(store: store).send(OutgoingMessage(body: body, delay: delay, attributes: attributes), to: queueName).id
        } catch {
            throw CommandError.failed("could not send to '\(queueName)': \(error)")
        }
        await store.close()
        if context.wantsJSON {
            try context.printJSON(Sent(id: id.rawValue, queue: queueName, delaySeconds: delay.timeInterval))
        } else {
            context.output.line(id.rawValue)
        }
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
