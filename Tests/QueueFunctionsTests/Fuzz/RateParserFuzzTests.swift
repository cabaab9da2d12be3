import Testing
@testable import QueueFunctions

/// Seeded fuzzing of the dependency rate parser (`"50/s"`): generated and mutated texts.
@Suite("Fuzz: dependency rates")
struct RateParserFuzzTests {
    private static let periods = ["s", "m", "h", "d", "ms", "200ms", "1.5s", "0s", "2d", "x", "", "/s", "s/", "1e300s", "-1s"]

    private static func text(_ random: inout SplitMix64) -> String {
        var text = random.pick(Fuzz.nastyNumbers + ["1", "50", "600", "7", "1000000"]) + random.pick(["/", "/", " / ", "//", "", "per"])
            + random.pick(periods)
        if random.chance(30) {
            text = String(decoding: Fuzz.mutateBytes(Array(text.utf8), &random), as: UTF8.self)
        }
        return text
    }

    @Test("every text is a rate within its ranges or an error naming the key")
    func rates() async {
        var random = SplitMix64(seed: Fuzz.seed &+ 130)
        var accepted = 0, refused = 0
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }
            let text = Self.text(&random)
            do {
                let (count, period) = try InputNumber.rate(text, name: "rate", counts: InputLimits.rateCount, periods: InputLimits.ratePeriod)
                #expect(InputLimits.rateCount.contains(count) && InputLimits.ratePeriod.contains(period), "\(text)")
                let rate = DependencyRate(count: count, per: period)
                #expect(rate.perSecond.isFinite && rate.perSecond > 0, "\(text)")
                accepted += 1
            } catch {
                #expect(error.description.hasPrefix("rate "), "\(error)")
                #expect(!error.fix.isEmpty)
                refused += 1
            }
        }
        print("fuzz rates: \(accepted + refused) inputs, \(accepted) accepted, \(refused) refused")
        #expect(accepted > 500 && refused > 1_000)
    }
}
