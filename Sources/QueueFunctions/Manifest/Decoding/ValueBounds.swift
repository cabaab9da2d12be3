/// The allowed range of a number or duration in the manifest, and how to say it.
struct ValueBounds<Value: Comparable & Sendable>: Sendable {
    /// The lowest allowed value, if any.
    var lower: Value?
    /// Whether `lower` itself is allowed.
    var lowerInclusive = true
    /// The highest allowed value (inclusive), if any.
    var upper: Value?

    /// Values from `lower` up.
    static func atLeast(_ lower: Value) -> Self { Self(lower: lower, upper: nil) }
    /// Values from `lower` to `upper`, both included.
    static func between(_ lower: Value, _ upper: Value) -> Self { Self(lower: lower, upper: upper) }
    /// Values above `lower`, up to `upper` if given.
    static func above(_ lower: Value, atMost upper: Value? = nil) -> Self {
        Self(lower: lower, lowerInclusive: false, upper: upper)
    }
    /// Any value.
    static var any: Self { Self(lower: nil, upper: nil) }

    /// Whether `value` is allowed.
    func contains(_ value: Value) -> Bool {
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, value > upper { return false }
        return true
    }

    /// The message and fix for `value` (written as `written`) outside these bounds.
    func violation(
        key: String, written: String, defaultText: String, format: (Value) -> String
    ) -> (message: String, fix: String) {
        let defaultNote = " (default \(defaultText))"
        switch (lower, upper) {
        case (let lower?, let upper?) where lowerInclusive:
            return ("\(written) is out of range \(format(lower))…\(format(upper))",
                    "set \(key) between \(format(lower)) and \(format(upper))\(defaultNote)")
        case (let lower?, let upper?):
            return ("\(written) is out of range: \(key) must be more than \(format(lower)) and at most \(format(upper))",
                    "set \(key) above \(format(lower)) and at most \(format(upper))\(defaultNote)")
        case (let lower?, nil) where lowerInclusive:
            return ("\(written) is below the minimum \(format(lower))",
                    "set \(key) to \(format(lower)) or more\(defaultNote)")
        case (let lower?, nil):
            return ("\(written) is out of range: \(key) must be more than \(format(lower))",
                    "set \(key) above \(format(lower))\(defaultNote)")
        case (nil, let upper?):
            return ("\(written) is above the maximum \(format(upper))",
                    "set \(key) to \(format(upper)) or less\(defaultNote)")
        case (nil, nil):
            return ("\(written) is not allowed", "use another value\(defaultNote)")
        }
    }
}
