import Foundation
import QueueFunctions

/// An import job: which object to import, under which id.
public struct ImportJob: Codable, Sendable {
    /// Identifies the import; a redelivered job has the same id.
    public var importID: String
    /// The object (file) in storage to import.
    public var object: String

    enum CodingKeys: String, CodingKey {
        case importID = "import_id"
        case object
    }

    /// Creates a job.
    public init(importID: String, object: String) {
        self.importID = importID
        self.object = object
    }
}

/// `process-import`: reads the object named in the job, imports its rows and marks the
/// import complete. A redelivered job whose import is already complete is skipped, so a
/// redelivery never imports twice. A missing object can never succeed: it is
/// dead-lettered at once; storage being down is retried with backoff.
public struct ImportProcessor: QueueFunction {
    /// Import jobs arrive as JSON.
    public typealias Message = ImportJob
    let services: SampleServices

    /// Creates the function over the sample services.
    public init(services: SampleServices) {
        self.services = services
    }

    /// Imports each job of the batch.
    public func handle(_ batch: MessageBatch<ImportJob>, context: FunctionContext) async throws {
        for item in batch {
            let job = item.message
            let log = context.logger.with("import_id", job.importID)
            if services.isImportComplete(job.importID) {
                log.info("import already complete; skipping the redelivery", [("receive_count", "\(item.metadata.receiveCount)")])
                continue
            }
            do {
                guard let contents = try services.readObject(job.object) else {
                    batch.settle(item, .deadLetter(reason: "object '\(job.object)' does not exist in storage"))
                    continue
                }
                let rows = max(0, contents.split(separator: "\n").count - 1)
                services.completeImport(job.importID, rows: rows)
                log.info("import complete", [("object", job.object), ("rows", "\(rows)")])
            } catch {
                log.warning("import failed; it will be retried", [("error", "\(error)")])
                batch.settle(item, .failure("\(error)"))
            }
        }
    }
}
