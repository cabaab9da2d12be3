import QueueFunctions
import Foundation

/// How long the simulated handler takes per message: fixed, uniform, or normal
/// (clamped at a minimum). Draws are a pure function of the workload's seed, the
/// message's index and its attempt, so runs are reproducible whatever the order in
/// which workers take messages.
public enum DurationDistribution: Sendable, Equatable {
    /// Always `value`.
    case fixed(Duration)
    /// Evenly between `min` and `max`.
    case uniform(min: Duration, max: Duration)
    /// Normally around `mean`, never below `minimum`.
    case normal(mean: Duration, standardDeviation: Duration, minimum: Duration)

    /// The duration in seconds for message `index` on delivery `attempt`.
    public func seconds(seed: UInt64, index: Int, attempt: Int) -> Double {
        switch self {
        case .fixed(let value):
            return value.timeInterval
        case .uniform(let low, let high):
            let unit = SeededRandom.unit(seed: seed, index: index, attempt: attempt, salt: 1)
            return low.timeInterval + (high.timeInterval - low.timeInterval) * unit
        case .normal(let mean, let deviation, let minimum):
            let first = 1 - SeededRandom.unit(seed: seed, index: index, attempt: attempt, salt: 2)
            let second = SeededRandom.unit(seed: seed, index: index, attempt: attempt, salt: 3)
            let standard = (-2 * log(first)).squareRoot() * cos(2 * .pi * second)
            return max(minimum.timeInterval, mean.timeInterval + deviation.timeInterval * standard)
        }
    }

    /// The mean duration in seconds (of the unclamped distribution for `normal`).
    public var meanSeconds: Double {
        switch self {
        case .fixed(let value): value.timeInterval
        case .uniform(let low, let high): (low.timeInterval + high.timeInterval) / 2
        case .normal(let mean, _, _): mean.timeInterval
        }
    }

    /// As written in a workload (`fixed 100ms`, `uniform 50ms…150ms`, `normal 100ms ± 30ms`).
    public var summary: String {
        switch self {
        case .fixed(let value): "fixed \(DurationText.format(value))"
        case .uniform(let low, let high): "uniform \(DurationText.format(low))…\(DurationText.format(high))"
        case .normal(let mean, let deviation, _): "normal \(DurationText.format(mean)) ± \(DurationText.format(deviation))"
        }
    }
}

/// Stateless SplitMix64-style hashing to uniform numbers in 0..<1.
enum SeededRandom {
    static func unit(seed: UInt64, index: Int, attempt: Int, salt: UInt64) -> Double {
        var value = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        value = value &+ UInt64(truncatingIfNeeded: attempt) &* 0xD1B5_4A32_D192_ED03 &+ salt &* 0x8CB9_2BA7_2F3D_8DD7
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }
}
