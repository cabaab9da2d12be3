import Foundation
import Synchronization

/// How important a log line is.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Step-by-step detail.
    case trace
    /// Detail for debugging.
    case debug
    /// Normal operation.
    case info
    /// Something worth noticing that is not a problem.
    case notice
    /// Something went wrong but the host carries on.
    case warning
    /// Something failed.
    case error

    /// Orders levels by importance.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level's name (`info`).
    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// Parses a level name.
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = level
    }
}

/// One log line before formatting.
public struct LogRecord: Sendable {
    /// When it was logged.
    public var time: Date
    /// How important it is.
    public var level: LogLevel
    /// What happened.
    public var message: String
    /// Key-value context (`function`, `invocation`, `message_id`, …), in order.
    public var metadata: [(key: String, value: String)]

    /// Creates a record (for sinks and tests of your own).
    public init(time: Date, level: LogLevel, message: String, metadata: [(key: String, value: String)] = []) {
        self.time = time
        self.level = level
        self.message = message
        self.metadata = metadata
    }

    /// The value for `key`, if present.
    public subscript(key: String) -> String? {
        metadata.last { $0.key == key }?.value
    }
}

/// Where log records go.
///
/// ``write(_:)`` is called on the thread of whoever logs, often a worker task: it must
/// not block (see ``BufferedLogSink``).
public protocol LogSink: Sendable {
    /// Writes one record.
    func write(_ record: LogRecord)

    /// Returns once every record written so far has reached its destination. The host
    /// calls it before it exits; the default does nothing.
    func flush() async
}

extension LogSink {
    /// Nothing to flush.
    public func flush() async {}
}

/// Writes one line per record to standard error, as logfmt or JSON, from a dedicated
/// thread through a bounded buffer (a ``BufferedLogSink`` shared by every sink of the
/// same format): logging never blocks a worker, even when standard error does.
public final class StandardErrorLogSink: LogSink {
    /// The line format.
    public enum Format: Sendable {
        /// `time=… level=info msg="…" key=value`
        case logfmt
        /// One JSON object per line.
        case json
    }

    private static let logfmtOutput = BufferedLogSink(format: LogFormat.logfmt, write: StandardErrorLogSink.writeLine)
    private static let jsonOutput = BufferedLogSink(format: LogFormat.json, write: StandardErrorLogSink.writeLine)

    private let output: BufferedLogSink

    /// Creates a sink writing `format` lines to standard error.
    public init(format: Format = .logfmt) {
        output = format == .json ? Self.jsonOutput : Self.logfmtOutput
    }

    /// Queues one line; never waits.
    public func write(_ record: LogRecord) {
        output.write(record)
    }

    /// Returns once every line queued so far is written.
    public func flush() async {
        await output.flush()
    }

    /// Returns once every line queued by any standard-error sink is written; call it
    /// before the process exits.
    public static func flushAll() async {
        await logfmtOutput.flush()
        await jsonOutput.flush()
    }

    private static func writeLine(_ line: String) {
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// Keeps records in memory, for tests.
public final class CapturingLogSink: LogSink {
    private let records = Mutex<[LogRecord]>([])

    /// Creates an empty sink.
    public init() {}

    /// Stores the record.
    public func write(_ record: LogRecord) {
        records.withLock { $0.append(record) }
    }

    /// Every record written so far.
    public var captured: [LogRecord] { records.withLock { $0 } }
}

/// Formats records as text lines.
public enum LogFormat {
    /// `time=2026-01-01T00:00:00.000Z level=info msg="…" key=value`.
    public static func logfmt(_ record: LogRecord) -> String {
        var parts = ["time=\(timestamp(record.time))", "level=\(record.level)", "msg=\(quoted(record.message))"]
        for (key, value) in record.metadata { parts.append("\(key)=\(quoted(value))") }
        return parts.joined(separator: " ")
    }

    /// One JSON object.
    public static func json(_ record: LogRecord) -> String {
        var fields = ["\"time\":\(JSONText.string(timestamp(record.time)))", "\"level\":\"\(record.level)\"",
                      "\"msg\":\(JSONText.string(record.message))"]
        for (key, value) in record.metadata { fields.append("\(JSONText.string(key)):\(JSONText.string(value))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// An ISO 8601 UTC timestamp with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    private static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
        guard needsQuotes else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}

/// Logs lines tagged with metadata: the host gives each invocation one tagged with the
/// function, invocation and message ids.
public struct QueueLogger: Sendable {
    /// Lines below this level are dropped.
    public var level: LogLevel
    /// Metadata added to every line.
    public var metadata: [(key: String, value: String)]
    /// Metadata computed only when a line is written.
    private var lazyMetadata: [(key: String, value: @Sendable () -> String)] = []
    private let sink: any LogSink
    private let clock: any HostClock

    /// Creates a logger writing to `sink`.
    public init(level: LogLevel = .info, sink: any LogSink = StandardErrorLogSink(), clock: any HostClock = SystemClock(), metadata: [(key: String, value: String)] = []) {
        self.level = level
        self.sink = sink
        self.clock = clock
        self.metadata = metadata
    }

    /// A logger that drops everything.
    public static var disabled: QueueLogger { QueueLogger(level: .error, sink: DiscardingLogSink()) }

    /// A copy with `key=value` added to every line.
    public func with(_ key: String, _ value: String) -> QueueLogger {
        var copy = self
        copy.metadata.append((key, value))
        return copy
    }

    /// A copy with `key=value` added to every line, where `value` is computed only
    /// when a line is actually written.
    public func with(_ key: String, _ value: @escaping @Sendable () -> String) -> QueueLogger {
        var copy = self
        copy.lazyMetadata.append((key, value))
        return copy
    }

    /// Returns once every line logged so far has been written; call it before exiting.
    public func flush() async {
        await sink.flush()
    }

    /// Whether a line at `level` would be written.
    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    /// Logs `message` at `level` with extra `metadata`.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) {
        guard level >= self.level else { return }
        let computed = lazyMetadata.map { (key: $0.key, value: $0.value()) }
        sink.write(LogRecord(time: clock.now(), level: level, message: message(), metadata: metadata + computed + extra))
    }

    /// Logs at `trace`.
    public func trace(_ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) { log(.trace, message(), extra) }
    /// Logs at `debug`.
    public func debug(_ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) { log(.debug, message(), extra) }
    /// Logs at `info`.
    public func info(_ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) { log(.info, message(), extra) }
    /// Logs at `notice`.
    public func notice(_ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) { log(.notice, message(), extra) }
    /// Logs at `warning`.
    public func warning(_ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) { log(.warning, message(), extra) }
    /// Logs at `error`.
    public func error(_ message: @autoclosure () -> String, _ extra: [(key: String, value: String)] = []) { log(.error, message(), extra) }
}

/// Drops every record.
public struct DiscardingLogSink: LogSink {
    /// Creates the sink.
    public init() {}
    /// Drops the record.
    public func write(_ record: LogRecord) {}
}
