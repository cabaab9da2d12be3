import QueueFunctions
import Foundation

/// `cancel QUEUE MESSAGE-ID`: deletes a message that has not been delivered yet.
enum CancelCommand {
    static let usage = "cancel QUEUE MESSAGE-ID [--json]"

    struct Cancelled: Encodable {
        var id: String
        var queue: String
        /// `cancelled`, `not_found` or `in_flight`.
        var result: String
    }

    static func run(_ context: CommandContext) async throws {
        let queueName = try context.word(0, "the queue name", usage: usage)
        let id = MessageID(try context.word(1, "the message id (as send printed it)", usage: usage))
        let manifest = try context.loadManifest()
        _ = try context.knownQueue(queueName, in: manifest)
        let store = try await context.openStore()
        defer { Task { await store.close() } }
        let result: CancelResult
        do {
            result = try await QueueClient(store: store, queueConfigs: manifest.queues).cancel(id, on: queueName)
        } catch {
            throw CommandError.failed("could not cancel \(id) on '\(queueName)': \(error)")
        }
        await store.close()
        let name: String
        switch result {
        case .cancelled: name = "cancelled"
        case .notFound: name = "not_found"
        case .inFlight: name = "in_flight"
        }
        if context.wantsJSON {
            try context.printJSON(Cancelled(id: id.rawValue, queue: queueName, result: name))
        }
        switch result {
        case .cancelled:
            if !context.wantsJSON { context.output.line("cancelled \(id)") }
        case .notFound:
            throw CommandError.failed("no message \(id) waits on '\(queueName)': it was never sent there, is already handled, "
                + "or was moved; check the id with 'dlq list' or the dashboard")
        case .inFlight:
            throw CommandError.failed("message \(id) on '\(queueName)' is being handled now and cannot be cancelled; "
                + "wait for its outcome")
        }
    }
}
