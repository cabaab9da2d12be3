import QueueFunctions
import Foundation

/// Dates as a SQLite store keeps them: integer nanoseconds since 2001-01-01 00:00 UTC
/// (Foundation's reference date).
///
/// Whole nanoseconds are finer than a `Date` can tell apart in this era, so every
/// date read back is exactly the `Date` that was written.
enum SQLiteTime {
    private static let nanosPerSecond: Int64 = 1_000_000_000
    /// Seconds either side of the reference date that fit in an `Int64` of nanoseconds.
    private static let limit = 9.2e9

    /// `date` in whole nanoseconds since the reference date, clamped to what an `Int64` holds.
    static func nanos(_ date: Date) -> Int64 {
        let interval = date.timeIntervalSinceReferenceDate
        guard interval.isFinite else { return interval > 0 ? .max : .min }
        let whole = interval.rounded(.down)
        guard whole < limit, whole > -limit else { return whole > 0 ? .max : .min }
        let fraction = ((interval - whole) * 1e9).rounded()
        return Int64(whole) * nanosPerSecond + Int64(fraction)
    }

    /// The date `nanos` nanoseconds after the reference date.
    static func date(_ nanos: Int64) -> Date {
        let (whole, fraction) = nanos.quotientAndRemainder(dividingBy: nanosPerSecond)
        return Date(timeIntervalSinceReferenceDate: Double(whole) + Double(fraction) / 1e9)
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
