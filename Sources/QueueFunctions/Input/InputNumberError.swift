/// A number from outside the process that could not be read or is out of its range.
///
/// Its description names the value, where it was written and what is allowed:
/// `delay '1e300s' is out of range: use 0s…7d`, `--port 70000 is out of range: use 0…65535`.
package struct InputNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the value.
    package enum Problem: Sendable, Equatable {
        /// It is not written as the kind of number expected (`abc`, `1.5` for a count).
        case malformed
        /// It is a number of the right kind, outside the allowed range.
        case outOfRange
    }

    /// What is wrong.
    package var problem: Problem
    /// The key, flag, parameter or variable it was given as (`delay`, `--port`, `batch_size`).
    package var name: String
    /// The value as written.
    package var written: String
    /// What kind of value is expected (`a duration such as 500ms, 30s, 5m, 1h or 2d`).
    package var expected: String
    /// The allowed range as people read it (`0s…7d`).
    package var allowed: String
    /// How to fix it (`set delay between 0s and 7d`).
    package var fix: String

    /// The value as it appears in messages: plain numbers bare, anything else in quotes.
    package var quotedValue: String {
        InputNumber.decimalValue(Substring(written)) != nil ? written : "'\(written)'"
    }

    /// `delay '1e300s' is out of range: use 0s…7d`, or `--port 'abc' is not a whole number: use 0…65535`.
    package var description: String {
        switch problem {
        case .outOfRange: "\(name) \(quotedValue) is out of range: use \(allowed)"
        case .malformed: "\(name) \(quotedValue) is not \(expected): use \(allowed)"
        }
    }
}
