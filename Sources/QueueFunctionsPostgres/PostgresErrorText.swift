import QueueFunctions
import Foundation

/// Turns what libpq reports into ``QueueStoreError``s that say what happened, where (the
/// URL without its password) and what to do.
package enum PostgresErrorText {
    /// The error for a connection attempt that failed with libpq's `message`.
    ///
    /// - Returns: `.unusableLocation` (fatal) for a failed authentication, a missing
    ///   database or role, or a refused permission; `.unavailable` (retryable) otherwise:
    ///   the server is down, restarting, unreachable or full.
    package static func connectFailure(_ message: String, target: PostgresTarget) -> QueueStoreError {
        let text = clean(message)
        let lowered = text.lowercased()
        if lowered.contains("password authentication failed") || lowered.contains("no pg_hba.conf entry")
            || lowered.contains("authentication failed") || lowered.contains("no password supplied")
            || (lowered.contains("role") && lowered.contains("does not exist")) {
            return QueueStoreError(
                .unusableLocation,
                "PostgreSQL at \(target) refused the login (\(text)); check the user name and password in the URL "
                    + "and the server's pg_hba.conf, or create the role with `createuser USER`"
            )
        }
        if lowered.contains("database"), lowered.contains("does not exist") {
            let name = quoted(in: text, after: "database \"") ?? "DATABASE"
            return QueueStoreError(
                .unusableLocation,
                "the database \(name) does not exist on the PostgreSQL server at \(target); "
                    + "create it with `createdb \(name)` (or name an existing database in the URL)"
            )
        }
        if lowered.contains("permission denied") {
            return QueueStoreError(
                .unusableLocation,
                "PostgreSQL at \(target) denied access (\(text)); grant the user CONNECT on the database "
                    + "(GRANT CONNECT ON DATABASE … TO …) or use another user in the URL"
            )
        }
        return QueueStoreError(
            .unavailable,
            "cannot reach the PostgreSQL server at \(target) (\(text)); check that the server is running "
                + "and that the host and port in the URL are right (pg_isready -d URL tells)"
        )
    }

    /// The error for a statement that failed with SQLSTATE `state` and libpq's `message`.
    ///
    /// - Parameters:
    ///   - connectionLost: Whether the connection broke during the call.
    ///   - doing: What the store was doing, for the message.
    package static func statementFailure(
        state: String?, message: String, detail: String?, connectionLost: Bool, doing: String, target: PostgresTarget
    ) -> QueueStoreError {
        let text = clean(message) + (detail.map { " " + clean($0) } ?? "")
        let code = state ?? ""
        if connectionLost || code.hasPrefix("08") || code == "57P01" || code == "57P02" || code == "57P03"
            || code.hasPrefix("53") {
            return QueueStoreError(
                .unavailable,
                "lost the connection to the PostgreSQL server at \(target) while \(doing) (\(text)); "
                    + "the store reconnects on the next call, with backoff"
            )
        }
        switch code {
        case "40001", "40P01", "55P03":
            return QueueStoreError(
                .busy, "PostgreSQL at \(target) aborted a transaction while \(doing) (\(text)); retry the call"
            )
        case "42501":
            return QueueStoreError(
                .unusableLocation,
                "PostgreSQL at \(target) denied a permission while \(doing) (\(text)); the store's user needs "
                    + "to own its tables, or CREATE on the schema: GRANT CREATE ON SCHEMA public TO USER"
            )
        case "25006":
            return QueueStoreError(
                .unusableLocation,
                "the PostgreSQL server at \(target) is read-only (\(text)); point the URL at the primary server"
            )
        default:
            return QueueStoreError(
                .engine, "PostgreSQL at \(target) failed while \(doing) (SQLSTATE \(code.isEmpty ? "none" : code): \(text))"
            )
        }
    }

    /// libpq's multi-line text as one line, without its "FATAL:" and "ERROR:" prefixes.
    static func clean(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
            .replacingOccurrences(of: "FATAL:  ", with: "")
            .replacingOccurrences(of: "ERROR:  ", with: "")
    }

    /// The double-quoted word of `text` that starts right after `prefix` (which ends with the opening quote).
    static func quoted(in text: String, after prefix: String) -> String? {
        guard let open = text.range(of: prefix) else { return nil }
        guard let close = text[open.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(text[open.upperBound..<close])
    }
}
