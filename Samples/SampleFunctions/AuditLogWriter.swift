import Dispatch
import Foundation
import QueueFunctions

/// Something worth an entry in the audit trail.
public struct AuditEvent: Codable, Sendable {
    /// What happened (`order-accepted`).
    public var kind: String
    /// What it happened to (an order id).
    public var subject: String

    /// Creates an event.
    public init(kind: String, subject: String) {
        self.kind = kind
        self.subject = subject
    }
}

/// Appends lines to a file on a dispatch queue of its own, so the blocking writes
/// never run on Swift's cooperative thread pool.
public final class AuditLogFile: Sendable {
    /// The file's path.
    public let path: String
    private let queue = DispatchQueue(label: "queuefunctions.sample.audit-log")

    /// Creates a writer for `path`, creating its folder if needed.
    public init(path: String) {
        self.path = path
    }

    /// The file named by `SAMPLE_AUDIT_LOG`, or `.queuefunctions/audit.log`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> AuditLogFile {
        AuditLogFile(path: environment["SAMPLE_AUDIT_LOG"] ?? ".queuefunctions/audit.log")
    }

    /// Appends `lines` and flushes them to disk.
    func append(_ lines: [String]) async throws {
        let path = self.path
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    let url = URL(fileURLWithPath: path)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    if !FileManager.default.fileExists(atPath: path) {
                        _ = FileManager.default.createFile(atPath: path, contents: nil)
                    }
                    let handle = try FileHandle(forWritingTo: url)
                    defer { try? handle.close() }
                    try handle.seekToEnd()
                    try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
                    try handle.synchronize()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// `write-audit-log`: appends one line per event, `<message id> <kind> <subject>`, to
/// the audit log file, the whole batch in one write. A redelivered event is written again
/// (at-least-once), which the message id at the start of each line makes visible.
public struct AuditLogWriter: QueueFunction {
    /// Events arrive as JSON.
    public typealias Message = AuditEvent
    let file: AuditLogFile

    /// Creates the function writing to `file`.
    public init(file: AuditLogFile) {
        self.file = file
    }

    /// Writes the batch.
    public func handle(_ batch: MessageBatch<AuditEvent>, context: FunctionContext) async throws {
        try await file.append(batch.map { "\($0.id) \($0.message.kind) \($0.message.subject)" })
    }
}
