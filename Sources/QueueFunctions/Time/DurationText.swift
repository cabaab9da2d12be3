import Foundation

/// Parses and prints the durations of `functions.json` and the command line:
/// `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"2d"`, `"1.5s"`, or a plain number of seconds.
public enum DurationText {
    /// The longest duration ``parse(_:)`` accepts (about 285 years): longer text is refused
    /// instead of trapping. Values from outside have much tighter ranges (``InputNumber``).
    public static let maximum = Duration.seconds(9_000_000_000)

    /// Parses a duration string such as `"500ms"`, `"30s"`, `"5m"`, `"2h"` or `"1d"`.
    ///
    /// A bare number (`"30"`) means seconds. Returns `nil` for anything else, including
    /// negative values and values longer than ``maximum``.
    public static func parse(_ text: String) -> Duration? {
        try? InputNumber.duration(text, name: "duration", in: .between(.zero, maximum))
    }

    /// Formats a duration the way a person writes it in the manifest (`"1.5s"`, `"250ms"`, `"5m"`).
    public static func format(_ duration: Duration) -> String {
        let seconds = duration.timeInterval
        if seconds == 0 { return "0s" }
        if seconds < 1 { return trim(seconds * 1000) + "ms" }
        if seconds < 60 || seconds.truncatingRemainder(dividingBy: 60) != 0 { return trim(seconds) + "s" }
        if seconds < 3600 || seconds.truncatingRemainder(dividingBy: 3600) != 0 { return trim(seconds / 60) + "m" }
        if seconds < 86_400 || seconds.truncatingRemainder(dividingBy: 86_400) != 0 { return trim(seconds / 3600) + "h" }
        return trim(seconds / 86_400) + "d"
    }

    private static func trim(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}
