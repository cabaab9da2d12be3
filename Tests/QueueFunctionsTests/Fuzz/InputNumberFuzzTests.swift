import Testing
@testable import QueueFunctions

/// Seeded fuzzing of the checked number parser: thousands of generated and mutated texts.
@Suite("Fuzz: numbers and durations")
struct InputNumberFuzzTests {
    private static let units = ["", "ns", "us", "µs", "ms", "s", "m", "h", "d", "x", "S", "sec"]

    /// A text built from number pieces and units, sometimes mutated byte by byte.
    private static func text(_ random: inout SplitMix64) -> String {
        var text = random.pick(Fuzz.nastyNumbers) + random.pick(units)
        if random.chance(20) { text = random.pick(Fuzz.nastyNumbers) + text }
        if random.chance(30) {
            text = String(decoding: Fuzz.mutateBytes(Array(text.utf8), &random), as: UTF8.self)
        }
        return text
    }

    @Test("every text is a duration within its range or an error naming it and the range")
    func durations() async {
        var random = SplitMix64(seed: Fuzz.seed)
        let ranges: [(String, InputRange<Duration>)] = [
            ("delay", InputLimits.messageDelay), ("timeout", InputLimits.functionTimeout),
            ("batching_window", InputLimits.batchingWindow), ("duration", .between(.zero, DurationText.maximum)),
        ]
        var accepted = 0, refused = 0
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }
            let text = Self.text(&random)
            let (name, range) = random.pick(ranges)
            do {
                let value = try InputNumber.duration(text, name: name, in: range)
                #expect(range.contains(value), "\(text) gave \(value), outside \(range.text(DurationText.format))")
                accepted += 1
            } catch {
                #expect(error.description.hasPrefix(name + " "), "\(error)")
                #expect(error.description.hasSuffix(range.text(DurationText.format)), "\(error)")
                refused += 1
            }
        }
        print("fuzz durations: \(accepted + refused) inputs, \(accepted) accepted, \(refused) refused")
        #expect(accepted > 1_000 && refused > 1_000)
    }

    @Test("every text is a whole number within its range or an error naming it and the range")
    func wholeNumbers() async {
        var random = SplitMix64(seed: Fuzz.seed &+ 1)
        var accepted = 0, refused = 0
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }
            let text = Self.text(&random)
            let range = random.pick([InputLimits.port, InputLimits.batchSize, InputLimits.redriveLimit, .between(Int.min, Int.max)])
            do {
                let value = try InputNumber.whole(text, name: "--n", in: range)
                #expect(range.contains(value))
                accepted += 1
            } catch {
                #expect(error.description.hasPrefix("--n "), "\(error)")
                refused += 1
            }
            let number = Double(bitPattern: random.next())
            if let value = try? InputNumber.whole(number, written: "\(number)", name: "n", in: range) {
                #expect(range.contains(value))
            }
            _ = try? InputNumber.duration(seconds: number, written: "\(number)", name: "d", in: InputLimits.messageDelay)
            _ = Duration(timeInterval: number)
        }
        print("fuzz whole numbers: \(accepted + refused) texts (\(accepted) accepted) and 20000 random doubles")
        #expect(accepted > 500 && refused > 1_000)
    }
}
