import QueueFunctions
import Foundation

/// The server a PostgreSQL store talks to: the URL as given, and the same URL without
/// its password for every message a person reads.
///
/// The URL is handed to libpq as it is, so every form libpq reads works:
/// `postgres://user:pass@host:port/db?sslmode=disable`, `postgresql://…`, several hosts,
/// and a Unix socket directory as `?host=/var/run/postgresql`.
package struct PostgresTarget: Sendable, Equatable, CustomStringConvertible {
    /// The URL, with its password, for libpq only.
    package let url: String
    /// The URL without its password: safe to log and to show.
    package let redacted: String

    /// Reads `url`.
    ///
    /// - Throws: ``QueueStoreError`` `.invalidArgument` when it is not a `postgres://` or
    ///   `postgresql://` URL.
    package init(url: String) throws {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
        let lowered = trimmed.lowercased()
        guard lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") else {
            throw QueueStoreError(
                .invalidArgument,
                "'\(Self.redact(trimmed))' is not a PostgreSQL URL; write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            )
        }
        self.url = trimmed
        self.redacted = Self.redact(trimmed)
    }

    /// The URL without its password.
    package var description: String { redacted }

    /// `url` with the password of its user part and any `password=` query item removed.
    package static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let scheme = url[..<schemeEnd.upperBound]
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        var tail = String(rest[authorityEnd...])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            let user = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            authority = String(user) + authority[at...]
        }
        if let question = tail.firstIndex(of: "?") {
            let path = tail[..<question]
            let items = tail[tail.index(after: question)...].split(separator: "&").filter {
                !$0.lowercased().hasPrefix("password=")
            }
            tail = String(path) + (items.isEmpty ? "" : "?" + items.joined(separator: "&"))
        }
        return scheme + authority + tail
    }
}
