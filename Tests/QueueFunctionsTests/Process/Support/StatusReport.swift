import Foundation

/// What `status --json` says about the queues, read with JSONSerialization the way a
/// script would read it.
struct StatusReport {
    /// One queue's counts.
    struct Counts: Equatable, CustomStringConvertible {
        var visible: Int
        var delayed: Int
        var inFlight: Int
        var deadLettered: Int

        var description: String {
            "visible \(visible), delayed \(delayed), in flight \(inFlight), dead-lettered \(deadLettered)"
        }
    }

    /// The counts of each queue by name.
    var queues: [String: Counts]

    /// Parses the output of `status --json`.
    ///
    /// - Throws: ``ProcessTestFailure`` when it is not the documented shape.
    init(json text: String) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let rows = root["queues"] as? [[String: Any]] else {
            throw ProcessTestFailure("status --json printed no object with a queues array:\n\(text)")
        }
        var queues: [String: Counts] = [:]
        for row in rows {
            guard let name = row["name"] as? String, let visible = row["visible"] as? Int, let delayed = row["delayed"] as? Int,
                  let inFlight = row["in_flight"] as? Int, let deadLettered = row["dead_lettered"] as? Int else {
                throw ProcessTestFailure("a queue row of status --json lacks name/visible/delayed/in_flight/dead_lettered: \(row)")
            }
            queues[name] = Counts(visible: visible, delayed: delayed, inFlight: inFlight, deadLettered: deadLettered)
        }
        self.queues = queues
    }
}

/// One entry of `dlq list QUEUE --json`.
struct DeadLetterListing {
    var id: String
    var queue: String
    var sourceQueue: String?
    var reason: String?
    var body: String

    /// Parses the output of `dlq list --json`.
    static func parse(_ text: String) throws -> [DeadLetterListing] {
        guard let rows = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw ProcessTestFailure("dlq list --json printed no array:\n\(text)")
        }
        return try rows.map { row in
            guard let id = row["id"] as? String, let queue = row["queue"] as? String, let body = row["body"] as? String else {
                throw ProcessTestFailure("a row of dlq list --json lacks id/queue/body: \(row)")
            }
            return DeadLetterListing(id: id, queue: queue, sourceQueue: row["source_queue"] as? String,
                                     reason: row["reason"] as? String, body: body)
        }
    }
}

extension ProcessSandbox {
    /// Runs `status --json` and parses it; a failing command is a test failure.
    func status() async throws -> StatusReport {
        let run = try await cli("status", "--json")
        guard run.exitCode == 0 else { throw ProcessTestFailure("status failed: \(run)") }
        return try StatusReport(json: run.stdout)
    }

    /// Runs `dlq list QUEUE --json` and parses it; a failing command is a test failure.
    func deadLetters(of queue: String) async throws -> [DeadLetterListing] {
        let run = try await cli("dlq", "list", queue, "--json")
        guard run.exitCode == 0 else { throw ProcessTestFailure("dlq list failed: \(run)") }
        return try DeadLetterListing.parse(run.stdout)
    }

    /// Runs `send QUEUE BODY` and returns the id it printed; a failing command is a test failure.
    func sendWithCLI(_ body: String, to queue: String = AuditQueue.name) async throws -> String {
        let run = try await cli("send", queue, body)
        let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard run.exitCode == 0, !id.isEmpty, !id.contains("\n") else { throw ProcessTestFailure("send did not print one id: \(run)") }
        return id
    }
}
