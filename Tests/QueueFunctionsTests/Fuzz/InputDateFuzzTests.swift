import Foundation
import Testing
@testable import QueueFunctions

/// Seeded fuzzing of the checked time parser (`send --at`, `X-Message-Scheduled-At`, `?at=`).
@Suite("Fuzz: times")
struct InputDateFuzzTests {
    private static let pieces = [
        "2026-12-01T09:00:00Z", "2026-02-29T00:00:00Z", "2024-02-29T23:59:59.999999999Z", "2026-12-01T10:00:00+01:00",
        "1999-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-01T24:00:00Z",
        "2026-12-01 09:00:00Z", "2026-12-01T09:00:00", "9999999999", "", "Z", "+99:99", "T", ".", "-", ":",
    ]

    private static func text(_ random: inout SplitMix64) -> String {
        var text = random.pick(pieces)
        if random.chance(20) { text += random.pick(pieces) }
        if random.chance(50) { text = String(decoding: Fuzz.mutateBytes(Array(text.utf8), &random), as: UTF8.self) }
        return text
    }

    @Test("known times read exactly; bad fields are refused")
    func knownTimes() throws {
        let date = try InputDate.timestamp("2026-12-01T09:00:00Z", name: "--at")
        #expect(date == Date(timeIntervalSince1970: 1_796_115_600))
        #expect(try InputDate.timestamp("2026-12-01T10:00:00+01:00", name: "--at") == date)
        #expect(try InputDate.timestamp("2026-12-01T09:00:00.5Z", name: "--at") == date.addingTimeInterval(0.5))
        for bad in ["2026-02-29T00:00:00Z", "2026-12-01T09:00:60Z", "2026-12-01", "tomorrow", "2026-12-01T09:00:00+24:00"] {
            let error = #expect(throws: InputNumberError.self) { try InputDate.timestamp(bad, name: "--at") }
            #expect(error?.description.hasPrefix("--at ") == true)
        }
        let early = #expect(throws: InputNumberError.self) { try InputDate.timestamp("1999-12-31T23:59:59Z", name: "at") }
        #expect(early?.problem == .outOfRange)
    }

    @Test("every text is a time within 2000…2200 or an error naming it")
    func fuzzedTimes() async {
        var random = SplitMix64(seed: Fuzz.seed &+ 12)
        let low = Date(timeIntervalSince1970: 946_684_800 - 86_400)
        let high = Date(timeIntervalSince1970: 7_289_654_400 + 86_400)
        var accepted = 0, refused = 0
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }
            let text = Self.text(&random)
            do {
                let date = try InputDate.timestamp(text, name: "at")
                #expect(date >= low && date <= high, "\(text) gave \(date)")
                accepted += 1
            } catch {
                #expect(error.description.hasPrefix("at "), "\(error)")
                refused += 1
            }
        }
        print("fuzz times: \(accepted + refused) inputs, \(accepted) accepted, \(refused) refused")
        #expect(accepted > 1_000 && refused > 1_000)
    }
}
