import Foundation

/// SplitMix64: a tiny, fast, seeded generator, so every fuzz run draws the same inputs
/// and a failure can be replayed from its seed and index.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// One element of `items` (not empty).
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// True about `percent` times in a hundred.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// How many inputs each fuzz test tries, and the values mutations draw from.
enum Fuzz {
    /// The seed of every fuzz test; change it locally to explore, keep it fixed in the suite.
    static let seed: UInt64 = 0x5EED_0009

    /// Numbers and near-numbers that break naive parsers: huge, negative, fractional,
    /// non-finite spellings, hexadecimal, empty, with units.
    static let nastyNumbers = [
        "0", "1", "-1", "-0", "1.5", "0.0001", "7", "65535", "65536", "70000", "1e300", "-1e300", "1e-300", "1e309",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
        "NaN", "nan", "inf", "-inf", "Infinity", "0x10", "0x1p3", "+5", ".5", "5.", "1e", "--1", "", " ", "1 2",
        "1e300s", "1e300ms", "1e19ns", "9e18d", "-5s", "30s", "5m", "2h", "7d", "8d", "12h", "13h", "500ms", "1µs",
        "abc", "30x", "s", "ms", "1_000", "١٢", "1,5", "\u{0}", "10000", "10001", "4294967296",
    ]

    /// JSON values that break naive decoders of numbers and durations.
    static let nastyJSONValues = [
        "0", "-1", "1.5", "1e300", "-1e300", "1e-300", "9223372036854775807", "9223372036854775808", "1e19",
        "123456789012345678901234567890", "\"1e300s\"", "\"-5s\"", "\"NaN\"", "\"inf\"", "\"0x10\"", "\"\"",
        "\"30s\"", "\"7d\"", "\"13h\"", "true", "null", "[]", "{}", "\"abc\"", "[1e300]", "{\"a\": 1e300}", "4294967297",
    ]

    /// `bytes` with a few random byte-level edits: flips, inserts, deletes, duplicated runs, truncation.
    static func mutateBytes(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var result = bytes
        for _ in 0..<(1 + random.below(4)) {
            switch random.below(6) {
            case 0 where !result.isEmpty:
                result[random.below(result.count)] ^= UInt8(truncatingIfNeeded: 1 << random.below(8))
            case 1:
                let interesting: [UInt8] = [0, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x2C, 0x0A, 0x0D, 0xFF, 0xC3, 0x30, 0x2D, 0x65]
                result.insert(random.pick(interesting), at: random.below(result.count + 1))
            case 2 where !result.isEmpty:
                let start = random.below(result.count)
                result.removeSubrange(start..<min(result.count, start + 1 + random.below(16)))
            case 3 where !result.isEmpty:
                let start = random.below(result.count)
                let run = result[start..<min(result.count, start + 1 + random.below(32))]
                result.insert(contentsOf: run, at: random.below(result.count + 1))
            case 4 where !result.isEmpty:
                result.removeSubrange(random.below(result.count)...)
            default:
                let digits = Array(random.pick(nastyNumbers).utf8)
                result.insert(contentsOf: digits, at: random.below(result.count + 1))
            }
        }
        return result
    }
}
