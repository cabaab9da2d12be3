import Foundation
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// The queue `write-audit-log` consumes, and its dead-letter queue.
enum AuditQueue {
    static let name = "audit-events"
    static let deadLetterQueue = "audit-events-dlq"

    /// Sends `count` events `{"kind":"k","subject":"N"}` from the test process, in batches
    /// of `batchSize`, numbered from `first`.
    ///
    /// - Returns: Each message id with the subject its event carries.
    static func send(_ count: Int, from first: Int = 0, batchSize: Int = 500, to store: any QueueStore) async throws -> [String: String] {
        var sent: [String: String] = [:]
        sent.reserveCapacity(count)
        var number = first
        while number < first + count {
            let end = min(number + batchSize, first + count)
            let messages = (number..<end).map { OutgoingMessage(body: Data(#"{"kind":"k","subject":"\#($0)"}"#.utf8)) }
            try await store.send(messages, to: name)
            for (offset, message) in messages.enumerated() { sent[message.id.rawValue] = "\(number + offset)" }
            number = end
        }
        return sent
    }

    /// Waits until `audit-events` holds no message in any state (a safety limit, not a speed test).
    static func waitUntilDrained(_ store: any QueueStore, within limit: Duration) async throws {
        _ = try await poll("\(name) to be empty", within: limit, every: .milliseconds(100), lastSeen: {
            (try? await store.stats(for: name)).map { "\($0)" } ?? "no stats"
        }) {
            try await store.stats(for: name).total == 0 ? true : nil
        }
    }
}
