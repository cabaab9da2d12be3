import Testing
@testable import QueueFunctions

/// The one checked parser for numbers from outside: syntax, units, ranges and messages.
@Suite("InputNumber")
struct InputNumberTests {
    private let delay = InputLimits.messageDelay

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("2h", .seconds(7200)),
        ("7d", .seconds(604_800)), ("1.5s", .milliseconds(1500)), ("30", .seconds(30)), (" 2s ", .seconds(2)),
        ("250us", .microseconds(250)), ("1µs", .microseconds(1)), ("10ns", .nanoseconds(10)), ("0", .zero), ("1e2s", .seconds(100)),
    ])
    func readsDurationsInEveryUnit(text: String, expected: Duration) throws {
        #expect(try InputNumber.duration(text, name: "delay", in: delay) == expected)
    }

    @Test func outOfRangeDurationsNameTheValueTheKeyAndTheRange() {
        for text in ["1e300s", "8d", "-5s", "1e309", "9e18d"] {
            #expect(throws: InputNumberError.self) { try InputNumber.duration(text, name: "delay", in: delay) }
        }
        let error = #expect(throws: InputNumberError.self) { try InputNumber.duration("1e300s", name: "delay", in: delay) }
        #expect(error?.description == "delay '1e300s' is out of range: use 0s…7d")
        #expect(error?.problem == .outOfRange)
    }

    @Test func malformedDurationsSayWhatIsExpected() {
        for text in ["abc", "30x", "nan", "inf", "0x10", "+5s", ".5s", "5.s", "", "s", "1 2s", "1e", "--1s"] {
            let error = #expect(throws: InputNumberError.self, "\(text)") { try InputNumber.duration(text, name: "delay", in: delay) }
            #expect(error?.problem == .malformed, "\(text)")
        }
        let error = #expect(throws: InputNumberError.self) { try InputNumber.duration("soon", name: "--delay", in: delay) }
        #expect(error?.description == "--delay 'soon' is not a duration such as 500ms, 30s, 5m, 1h or 2d: use 0s…7d")
    }

    @Test func durationsThatMustBeMoreThanZeroSaySo() {
        let error = #expect(throws: InputNumberError.self) { try InputNumber.duration("0s", name: "timeout", in: InputLimits.functionTimeout) }
        #expect(error?.description == "timeout '0s' is out of range: use more than 0s, up to 12h")
        #expect(error?.fix == "set timeout above 0s and at most 12h")
    }

    @Test func wholeNumbersTooLongForIntAreOutOfRangeNotMalformed() throws {
        #expect(try InputNumber.whole("8080", name: "--port", in: InputLimits.port) == 8080)
        let port = #expect(throws: InputNumberError.self) { try InputNumber.whole("70000", name: "--port", in: InputLimits.port) }
        #expect(port?.description == "--port 70000 is out of range: use 0…65535")
        let huge = #expect(throws: InputNumberError.self) {
            try InputNumber.whole("99999999999999999999999", name: "--port", in: InputLimits.port)
        }
        #expect(huge?.problem == .outOfRange)
        for text in ["1.5", "1e3", "abc", "", "+1", "0x10", "-"] {
            let error = #expect(throws: InputNumberError.self, "\(text)") { try InputNumber.whole(text, name: "--port", in: InputLimits.port) }
            #expect(error?.problem == .malformed, "\(text)")
        }
    }

    @Test func jsonNumbersAreCheckedBeforeConversion() throws {
        #expect(try InputNumber.whole(1e3, written: "1e3", name: "batch_size", in: InputLimits.batchSize) == 1000)
        for number in [9.223372036854775807e18, 1e300, -1e300, Double.infinity, Double.nan, 1.5] {
            #expect(throws: InputNumberError.self) {
                try InputNumber.whole(number, written: "\(number)", name: "n", in: .between(0, Int.max))
            }
        }
        #expect(throws: InputNumberError.self) {
            try InputNumber.duration(seconds: 1e300, written: "1e300", name: "timeout", in: InputLimits.functionTimeout)
        }
    }

    @Test func durationConversionsNeverTrap() {
        #expect(Duration(timeInterval: 1e300) == .nanoseconds(Int64.max))
        #expect(Duration(timeInterval: -1e300) == .nanoseconds(Int64.min))
        #expect(Duration(timeInterval: .nan) == .zero)
        #expect(Duration(timeInterval: .infinity) == .nanoseconds(Int64.max))
        #expect(DurationText.parse("1e300s") == nil)
        #expect(DurationText.format(.seconds(604_800)) == "7d")
        #expect(DurationText.format(.seconds(Int64.max / 2)).isEmpty == false)
    }
}
