import Foundation

/// Dates and durations as the durable engines keep them: integer nanoseconds since
/// 2001-01-01 00:00 UTC (Foundation's reference date). Whole nanoseconds are finer than a
/// `Date` can tell apart in this era, so every date read back is exactly the one written.
package enum StoredTime {
    private static let nanosPerSecond: Int64 = 1_000_000_000
    /// Seconds either side of the reference date that fit in an `Int64` of nanoseconds.
    private static let limit = 9.2e9
    /// The longest delay or lease kept: 100 years, so that adding it to a time never overflows.
    package static let maximumSpan: Int64 = 100 * 366 * 86_400 * nanosPerSecond

    /// `date` in whole nanoseconds since the reference date, clamped to what an `Int64` holds.
    package static func nanos(_ date: Date) -> Int64 {
        let interval = date.timeIntervalSinceReferenceDate
        guard interval.isFinite else { return interval > 0 ? .max : .min }
        let whole = interval.rounded(.down)
        guard whole < limit, whole > -limit else { return whole > 0 ? .max : .min }
        let fraction = ((interval - whole) * 1e9).rounded()
        return Int64(whole) * nanosPerSecond + Int64(fraction)
    }

    /// `duration` in nanoseconds, between zero and ``maximumSpan``.
    package static func nanos(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard seconds < maximumSpan / nanosPerSecond else { return maximumSpan }
        return seconds * nanosPerSecond + attoseconds / 1_000_000_000
    }

    /// The date `nanos` nanoseconds after the reference date.
    package static func date(_ nanos: Int64) -> Date {
        let (whole, fraction) = nanos.quotientAndRemainder(dividingBy: nanosPerSecond)
        return Date(timeIntervalSinceReferenceDate: Double(whole) + Double(fraction) / 1e9)
    }
}

/// Failure histories as the JSON text the durable engines keep beside a message.
package enum StoredFailureText {
    /// `failures` as JSON, or nil for an empty history.
    package static func encode(_ failures: [FailureRecord]) throws -> String? {
        guard !failures.isEmpty else { return nil }
        return String(decoding: try JSONEncoder().encode(failures), as: UTF8.self)
    }

    /// The history stored as `text`; empty for NULL.
    ///
    /// - Parameter location: The file or server, for the error.
    /// - Throws: ``QueueStoreError`` `.engine` when the stored text is not a history.
    package static func decode(_ text: String?, messageID: String, location: String) throws -> [FailureRecord] {
        guard let text, !text.isEmpty else { return [] }
        do {
            return try JSONDecoder().decode([FailureRecord].self, from: Data(text.utf8))
        } catch {
            throw QueueStoreError(
                .engine,
                "the failure history of message \(messageID) in \(location) cannot be read (\(error)); "
                    + "it may have been edited by hand"
            )
        }
    }
}
