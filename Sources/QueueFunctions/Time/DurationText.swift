import Foundation

/// Parses and prints the durations of `functions.json` and the command line:
/// `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1.5s"`, or a plain number of seconds.
public enum DurationText {
    /// Parses a duration string such as `"500ms"`, `"30s"`, `"5m"` or `"2h"`.
    ///
    /// A bare number (`"30"`) means seconds. Returns `nil` for anything else,
    /// including negative values.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, seconds: Double)] = [
            ("ms", 0.001), ("us", 0.000_001), ("µs", 0.000_001), ("ns", 1e-9),
            ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
        ]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = String(trimmed.dropLast(unit.suffix.count))
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            return Duration(timeInterval: value * unit.seconds)
        }
        guard let value = Double(trimmed), value >= 0, value.isFinite else { return nil }
        return Duration(timeInterval: value)
    }

    /// Formats a duration the way a person writes it in the manifest (`"1.5s"`, `"250ms"`, `"5m"`).
    public static func format(_ duration: Duration) -> String {
        let seconds = duration.timeInterval
        if seconds == 0 { return "0s" }
        if seconds < 1 { return trim(seconds * 1000) + "ms" }
        if seconds < 60 || seconds.truncatingRemainder(dividingBy: 60) != 0 { return trim(seconds) + "s" }
        if seconds < 3600 || seconds.truncatingRemainder(dividingBy: 3600) != 0 { return trim(seconds / 60) + "m" }
        return trim(seconds / 3600) + "h"
    }

    private static func trim(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
