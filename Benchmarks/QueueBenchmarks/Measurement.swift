import Foundation

/// Monotonic time in nanoseconds, comparable across threads.
func monotonicNanos() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}

/// Seconds elapsed since `start` (from ``monotonicNanos()``).
func seconds(since start: UInt64) -> Double {
    Double(monotonicNanos() - start) / 1e9
}

/// Repeated samples of one figure.
struct Samples: Sendable {
    var values: [Double] = []

    var median: Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }
}

/// The value at quantile `q` (0…1) of `sorted`, nearest rank.
func percentile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
    return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank))]
}

/// Number formatting for the tables.
enum Format {
    /// `123,456` for a rate.
    static func rate(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return grouped(Int(value.rounded()))
    }

    /// The median and, with several runs, the range: `123,456 (118,000–130,100)`.
    static func rate(_ samples: Samples) -> String {
        guard samples.values.count > 1 else { return rate(samples.median) }
        return "\(rate(samples.median)) (\(rate(samples.min))–\(rate(samples.max)))"
    }

    /// A ratio with two decimals and its range: `0.61× (0.58–0.66)`.
    static func ratio(_ samples: Samples) -> String {
        guard samples.median.isFinite else { return "–" }
        let median = String(format: "%.2f×", samples.median)
        guard samples.values.count > 1 else { return median }
        return median + String(format: " (%.2f–%.2f)", samples.min, samples.max)
    }

    /// Milliseconds with three decimals.
    static func millis(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        return String(format: "%.3f", seconds * 1000)
    }

    /// Mebibytes with one decimal.
    static func mebibytes(_ bytes: Double) -> String {
        guard bytes.isFinite else { return "–" }
        return String(format: "%.1f", bytes / 1_048_576)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }
}
