import Foundation

/// Dates as the integer microseconds since 1970 that a SQLite store keeps.
enum SQLiteTime {
    /// `date` in whole microseconds since 1970.
    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The date `micros` microseconds after 1970.
    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

/// Failure histories as the JSON text a SQLite store keeps in `messages.failures`.
enum SQLiteFailureText {
    /// `failures` as JSON, or nil for an empty history.
    static func encode(_ failures: [FailureRecord]) throws -> String? {
        guard !failures.isEmpty else { return nil }
        let data = try JSONEncoder().encode(failures)
        return String(decoding: data, as: UTF8.self)
    }

    /// The history stored as `text`; empty for NULL.
    ///
    /// - Throws: ``QueueStoreError`` `.engine` when the stored text is not a history.
    static func decode(_ text: String?, messageID: String, path: String) throws -> [FailureRecord] {
        guard let text, !text.isEmpty else { return [] }
        do {
            return try JSONDecoder().decode([FailureRecord].self, from: Data(text.utf8))
        } catch {
            throw QueueStoreError(
                .engine,
                "the failure history of message \(messageID) in \(path) cannot be read (\(error)); "
                    + "the file may have been edited by hand"
            )
        }
    }
}
