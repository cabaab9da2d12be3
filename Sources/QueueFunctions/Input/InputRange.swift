/// The values a number from outside (a file, a flag, a query, a header, the environment)
/// may take: from `lower` (included unless `excludesLower`) to `upper` (included).
///
/// Every range has an upper end, so nothing read from outside can overflow the
/// arithmetic done on it later.
package struct InputRange<Value: Comparable & Sendable>: Sendable {
    /// The lowest value.
    package var lower: Value
    /// The highest value allowed.
    package var upper: Value
    /// Whether `lower` itself is refused (a duration that must be more than zero).
    package var excludesLower: Bool

    /// Values from `lower` to `upper`, both included.
    package static func between(_ lower: Value, _ upper: Value) -> Self {
        Self(lower: lower, upper: upper, excludesLower: false)
    }

    /// Values above `lower`, up to `upper` included.
    package static func above(_ lower: Value, atMost upper: Value) -> Self {
        Self(lower: lower, upper: upper, excludesLower: true)
    }

    /// Whether `value` is allowed.
    package func contains(_ value: Value) -> Bool {
        if excludesLower ? value <= lower : value < lower { return false }
        return value <= upper
    }

    /// The range as people read it: `0s…7d`, or `more than 0s, up to 12h`.
    package func text(_ format: (Value) -> String) -> String {
        excludesLower ? "more than \(format(lower)), up to \(format(upper))" : "\(format(lower))…\(format(upper))"
    }

    /// How to set `key` within the range: `set batch_size between 1 and 10000`.
    package func fix(key: String, _ format: (Value) -> String) -> String {
        excludesLower
            ? "set \(key) above \(format(lower)) and at most \(format(upper))"
            : "set \(key) between \(format(lower)) and \(format(upper))"
    }
}

