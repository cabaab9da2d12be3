import Foundation

/// Where the HTTP server reports refused requests and socket trouble. The server knows
/// nothing of the host's logger: its owner hands it a closure that writes the lines.
package struct HTTPServerLog: Sendable {
    /// How important a line is.
    package enum Level: Sendable {
        case debug, notice, warning, error
    }

    /// Writes one line: level, message, key-value context.
    package typealias Write = @Sendable (Level, String, [(key: String, value: String)]) -> Void

    private let write: Write
    private var context: [(key: String, value: String)] = []

    /// A log that hands every line to `write`.
    package init(_ write: @escaping Write) {
        self.write = write
    }

    /// A log that drops everything.
    package static var disabled: HTTPServerLog { HTTPServerLog { _, _, _ in } }

    /// A copy that adds `key=value` to every line.
    package func with(_ key: String, _ value: String) -> HTTPServerLog {
        var copy = self
        copy.context.append((key, value))
        return copy
    }

    package func debug(_ message: String, _ extra: [(key: String, value: String)] = []) { write(.debug, message, context + extra) }
    package func notice(_ message: String, _ extra: [(key: String, value: String)] = []) { write(.notice, message, context + extra) }
    package func warning(_ message: String, _ extra: [(key: String, value: String)] = []) { write(.warning, message, context + extra) }
    package func error(_ message: String, _ extra: [(key: String, value: String)] = []) { write(.error, message, context + extra) }

    /// A short human form of `duration` for messages ("250ms", "5s").
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds == 0 { return "\(attoseconds / 1_000_000_000_000_000)ms" }
        let millis = attoseconds / 1_000_000_000_000_000
        return millis == 0 ? "\(seconds)s" : "\(seconds).\(String(format: "%03lld", millis))s"
    }
}
