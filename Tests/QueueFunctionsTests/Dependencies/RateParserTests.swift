import Testing
@testable import QueueFunctions

@Suite("Dependency rates")
struct RateParserTests {
    private func parse(_ text: String) throws(InputNumberError) -> DependencyRate {
        let (count, period) = try InputNumber.rate(text, name: "rate", counts: InputLimits.rateCount, periods: InputLimits.ratePeriod)
        return DependencyRate(count: count, per: period)
    }

    @Test("a count per unit or per duration", arguments: [
        ("50/s", 50, 1.0), ("600/m", 600, 60.0), ("5/200ms", 5, 0.2), (" 3 / 2s ", 3, 2.0), ("1/h", 1, 3600.0),
    ])
    func accepted(text: String, count: Int, seconds: Double) throws {
        let rate = try parse(text)
        #expect(rate.count == count)
        #expect(rate.period == Duration(timeInterval: seconds))
    }

    @Test("malformed and out-of-range rates say what to write", arguments: ["50", "50/", "/s", "a/s", "50/x", "0/s", "50/0s", "5/2d", "1.5/s", "-1/s"])
    func refused(text: String) {
        #expect(throws: InputNumberError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.description.hasPrefix("rate "))
            #expect(error.fix.contains("rate"))
        }
    }

    @Test("rates print as written")
    func description() throws {
        #expect(try parse("50/s").description == "50/s")
        #expect(try parse("5/200ms").description == "5/200ms")
    }
}
