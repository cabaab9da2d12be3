import Foundation

/// The one checked parser for times from outside the process (`send --at`, the
/// `X-Message-Scheduled-At` header, `?at=`): RFC 3339 timestamps such as
/// `2026-12-01T09:00:00Z`, `2026-12-01T09:00:00.250Z` or `2026-12-01T10:00:00+01:00`.
///
/// Every field is checked (month 1–12, the month's days, hours 0–23, minutes and
/// seconds 0–59, offsets up to ±23:59) and the year must lie in 2000…2200, so the
/// date converts to the stores' nanosecond times without overflow. A time in the
/// past is allowed: the message is then delivered at once.
package enum InputDate {
    /// What a time looks like, for messages.
    package static let example = "a UTC time such as 2026-12-01T09:00:00Z"
    /// The years accepted.
    package static let years = 2000...2200

    /// Reads an RFC 3339 timestamp given as `name`.
    ///
    /// - Throws: ``InputNumberError`` naming the value, where it was given and the form expected.
    package static func timestamp(_ text: String, name: String) throws(InputNumberError) -> Date {
        let bytes = Array(text.utf8)
        guard let parts = parse(bytes) else {
            throw error(.malformed, name, text)
        }
        guard years.contains(parts.year) else { throw error(.outOfRange, name, text) }
        let days = daysFromCivil(year: parts.year, month: parts.month, day: parts.day)
        let seconds = Double(days * 86_400 + parts.hour * 3600 + parts.minute * 60 + parts.second - parts.offsetSeconds)
        return Date(timeIntervalSince1970: seconds + parts.fraction)
    }

    private struct Parts {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetSeconds = 0
        var fraction = 0.0
    }

    /// The fields of `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`, each checked; nil when malformed.
    private static func parse(_ bytes: [UInt8]) -> Parts? {
        guard bytes.count >= 20, bytes.count <= 40 else { return nil }
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        var parts = Parts()
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt "),
              let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        (parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) = (year, month, day, hour, minute, second)
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            guard index > start, index - start <= 9 else { return nil }
            parts.fraction = Double("0." + String(decoding: bytes[start..<index], as: UTF8.self)) ?? 0
        }
        if expect("Zz") {
            guard index == bytes.count else { return nil }
            return parts
        }
        guard index < bytes.count else { return nil }
        let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
        guard expect("+-"), let offsetHours = number(2), expect(":"), let offsetMinutes = number(2), index == bytes.count,
              (0...23).contains(offsetHours), (0...59).contains(offsetMinutes) else { return nil }
        parts.offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        return parts
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func error(_ problem: InputNumberError.Problem, _ name: String, _ written: String) -> InputNumberError {
        InputNumberError(
            problem: problem, name: name, written: written, expected: example,
            allowed: "an RFC 3339 time between \(years.lowerBound) and \(years.upperBound), such as 2026-12-01T09:00:00Z",
            fix: "write \(name) as an RFC 3339 time such as 2026-12-01T09:00:00Z"
        )
    }
}
