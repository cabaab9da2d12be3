/// The one checked parser for numbers from outside the process: manifest values, command-line
/// flags, query parameters, headers, workload files and environment variables.
///
/// Each reader checks the syntax, then the range, and only then converts: nothing read here
/// can reach arithmetic or a conversion that traps (`1e300s`, `-1`, `99999999999999999999`).
/// A value that is wrong becomes an ``InputNumberError`` naming it, where it was given and
/// what is allowed.
package enum InputNumber {
    /// What a duration looks like, for messages.
    package static let durationExample = "a duration such as 500ms, 30s, 5m, 1h or 2d"

    // MARK: Durations

    /// Reads a duration written as text: a decimal number with a unit `ns`, `us`, `µs`,
    /// `ms`, `s`, `m`, `h` or `d`, or a bare number of seconds (`"500ms"`, `"1.5s"`, `"30"`).
    ///
    /// - Parameters:
    ///   - text: The value as written; spaces around it are ignored.
    ///   - name: Where it was given, for the error (`delay`, `--grace-period`).
    ///   - range: The allowed durations.
    /// - Throws: ``InputNumberError`` when it is not a duration or is out of `range`.
    package static func duration(_ text: String, name: String, in range: InputRange<Duration>) throws(InputNumberError) -> Duration {
        let trimmed = trimmed(text)
        guard let (number, unitSeconds) = DurationUnit.split(trimmed), let value = decimalValue(number) else {
            throw error(.malformed, name, text, durationExample, range, DurationText.format)
        }
        return try duration(seconds: value * unitSeconds, written: text, name: name, in: range)
    }

    /// Reads a duration given as a number of seconds (a JSON number), written as `written`.
    ///
    /// - Throws: ``InputNumberError`` when it is not finite or out of `range`.
    package static func duration(
        seconds: Double, written: String, name: String, in range: InputRange<Duration>
    ) throws(InputNumberError) -> Duration {
        // Compared as seconds first: only a value inside the range is converted.
        guard seconds.isFinite, seconds >= range.lower.timeInterval, seconds <= range.upper.timeInterval else {
            throw error(.outOfRange, name, written, durationExample, range, DurationText.format)
        }
        let duration = Duration(timeInterval: seconds)
        guard range.contains(duration) else {
            throw error(.outOfRange, name, written, durationExample, range, DurationText.format)
        }
        return duration
    }

    // MARK: Whole numbers

    /// Reads a whole number written as decimal digits, with an optional leading `-`.
    ///
    /// - Throws: ``InputNumberError`` when it is not a whole number or is out of `range`
    ///   (a number too long for `Int` is out of range, not malformed).
    package static func whole(_ text: String, name: String, in range: InputRange<Int>) throws(InputNumberError) -> Int {
        let trimmed = trimmed(text)
        let digits = trimmed.hasPrefix("-") ? trimmed.dropFirst() : Substring(trimmed)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw error(.malformed, name, text, "a whole number", range) { "\($0)" }
        }
        guard let value = Int(trimmed), range.contains(value) else {
            throw error(.outOfRange, name, text, "a whole number", range) { "\($0)" }
        }
        return value
    }

    /// Reads a whole number given as a JSON number, written as `written` (`10`, `1e3`).
    ///
    /// - Throws: ``InputNumberError`` when it has a fraction or is out of `range`.
    package static func whole(_ number: Double, written: String, name: String, in range: InputRange<Int>) throws(InputNumberError) -> Int {
        guard number.isFinite, number.rounded() == number else {
            throw error(.malformed, name, written, "a whole number", range) { "\($0)" }
        }
        // -2^63 and 2^63 are exact as Doubles: inside them the conversion cannot trap.
        guard number >= -9_223_372_036_854_775_808.0, number < 9_223_372_036_854_775_808.0 else {
            throw error(.outOfRange, name, written, "a whole number", range) { "\($0)" }
        }
        let value = Int(number)
        guard range.contains(value) else {
            throw error(.outOfRange, name, written, "a whole number", range) { "\($0)" }
        }
        return value
    }

    // MARK: Decimal numbers

    /// Reads a decimal number (`20`, `0.5`, `1e3`) written as text.
    ///
    /// - Throws: ``InputNumberError`` when it is not a number or is out of `range`.
    package static func decimal(_ text: String, name: String, in range: InputRange<Double>) throws(InputNumberError) -> Double {
        guard let value = decimalValue(trimmed(text)) else {
            throw error(.malformed, name, text, "a number", range, formatDecimal)
        }
        return try decimal(value, written: text, name: name, in: range)
    }

    /// Checks a decimal number given as a JSON number, written as `written`.
    ///
    /// - Throws: ``InputNumberError`` when it is not finite or is out of `range`.
    package static func decimal(_ number: Double, written: String, name: String, in range: InputRange<Double>) throws(InputNumberError) -> Double {
        guard number.isFinite, range.contains(number) else {
            throw error(.outOfRange, name, written, "a number", range, formatDecimal)
        }
        return number
    }

    /// A decimal number as people write it (`2`, `0.5`).
    package static func formatDecimal(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    // MARK: Syntax

    /// The value of `text` when it is a plain decimal number: `-`? digits (`.` digits)?
    /// (`e` or `E` then `+`/`-`? digits)?. Hexadecimal, `nan`, `inf`, `+1` and `.5` are not.
    /// A number too large for `Double` is infinite, so it fails the range check.
    package static func decimalValue(_ text: Substring) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        guard index == bytes.count, bytes.count <= 400 else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    private static func decimalValue(_ text: String) -> Double? {
        decimalValue(Substring(text))
    }

    private static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    private static func error<Value>(
        _ problem: InputNumberError.Problem, _ name: String, _ written: String, _ expected: String,
        _ range: InputRange<Value>, _ format: (Value) -> String
    ) -> InputNumberError {
        InputNumberError(problem: problem, name: name, written: written, expected: expected,
                         allowed: range.text(format), fix: range.fix(key: name, format))
    }
}

/// The units a duration may be written in.
enum DurationUnit {
    /// Suffix and seconds per unit; two-letter suffixes come before the one-letter ones they end with.
    static let all: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("us", 0.000_001), ("µs", 0.000_001), ("ns", 1e-9),
        ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
    ]

    /// The number part of `text` and the seconds per unit of its suffix (1 for a bare number).
    static func split(_ text: String) -> (Substring, Double)? {
        guard !text.isEmpty else { return nil }
        for unit in all where text.hasSuffix(unit.suffix) {
            return (text.dropLast(unit.suffix.count), unit.seconds)
        }
        return (Substring(text), 1)
    }
}
