/// The rule for queue names: 1–80 letters, digits, `-` and `_` (as SQS), so a name is
/// safe in store tables, URLs and metrics labels.
enum QueueName {
    /// The longest allowed name.
    static let maximumLength = 80

    /// Why `name` is not a valid queue name, or nil when it is.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "a queue name cannot be empty" }
        if name.count > maximumLength { return "queue name \(JSONText.string(name)) is \(name.count) characters long, more than \(maximumLength)" }
        if let bad = name.unicodeScalars.first(where: { !isAllowed($0) }) {
            let shown = bad.properties.isWhitespace ? "a space" : "'\(bad)'"
            return "queue name \(JSONText.string(name)) contains \(shown)"
        }
        return nil
    }

    /// How to write a valid name.
    static let rule = "use 1 to 80 letters, digits, '-' and '_', such as \"import-jobs\""

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
    }
}
