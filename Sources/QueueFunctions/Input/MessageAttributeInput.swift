/// The one checked parser for message attributes from outside: `--attribute key=value`
/// on the command line, `X-Attribute-<name>` headers on HTTP producer routes, and the
/// attribute names of topic filters in `functions.json`.
///
/// Every error says what was wrong and how to fix it.
package enum MessageAttributeInput {
    /// The prefix of the HTTP headers that carry attributes: `X-Attribute-Type: order-placed`
    /// gives the attribute `type` (header names are case-insensitive, so names from headers
    /// are lower-cased).
    package static let headerPrefix = "X-Attribute-"
    /// The longest attribute name, in characters.
    package static let maximumNameLength = 128
    /// The most attributes on one message (as SQS).
    package static let maximumCount = 10
    /// The longest attribute value, in UTF-8 bytes.
    package static let maximumValueBytes = 1024

    /// How to write a valid name.
    package static let nameRule = "use 1 to \(maximumNameLength) letters, digits, '-', '_' and '.', such as \"order-type\""

    /// A refused attribute: what was wrong and what to do.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong.
        package var message: String
        /// What to do.
        package var fix: String

        /// `message; fix`.
        package var description: String { "\(message); \(fix)" }
    }

    /// Why `name` is not a valid attribute name, or nil when it is.
    package static func problem(withName name: String) -> String? {
        if name.isEmpty { return "an attribute name cannot be empty" }
        if name.count > maximumNameLength {
            return "attribute name \(JSONText.string(String(name.prefix(40))) + "…") is \(name.count) characters long, more than \(maximumNameLength)"
        }
        if let bad = name.unicodeScalars.first(where: { !isNameScalar($0) }) {
            let shown = bad.properties.isWhitespace || bad.value < 0x20 ? "whitespace or a control character" : "'\(bad)'"
            return "attribute name \(JSONText.string(name)) contains \(shown)"
        }
        return nil
    }

    /// Parses `key=value` words (`--attribute type=order-placed`), in order. The value may
    /// be empty and may contain `=`; a name given twice is refused.
    ///
    /// - Throws: ``Problem`` for a word without `=`, a bad name, a repeated name or a limit passed.
    package static func parse(pairs: [String]) throws(Problem) -> [String: String] {
        var attributes: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw Problem(message: "attribute \(JSONText.string(String(pair.prefix(80)))) has no '='",
                              fix: "write it as name=value, such as --attribute type=order-placed")
            }
            let name = String(pair[..<equals]), value = String(pair[pair.index(after: equals)...])
            try add(name: name, value: value, to: &attributes, source: "--attribute")
        }
        try checkLimits(attributes)
        return attributes
    }

    /// The attributes carried by `X-Attribute-<name>` headers, names lower-cased.
    ///
    /// - Parameter headers: Every header as (name, value), in order.
    /// - Throws: ``Problem`` for a bad name, a repeated name or a limit passed.
    package static func parse(headers: [(name: String, value: String)]) throws(Problem) -> [String: String] {
        var attributes: [String: String] = [:]
        let prefix = headerPrefix.lowercased()
        for header in headers {
            let lowered = header.name.lowercased()
            guard lowered.hasPrefix(prefix) else { continue }
            let name = String(lowered.dropFirst(prefix.count))
            try add(name: name, value: header.value, to: &attributes, source: "header \(header.name)")
        }
        try checkLimits(attributes)
        return attributes
    }

    /// Checks the count and sizes of a message's attributes. The one place the limits are
    /// applied to input, so a store-wide rule can replace it.
    ///
    /// - Throws: ``Problem`` naming the first limit passed.
    package static func checkLimits(_ attributes: [String: String]) throws(Problem) {
        if attributes.count > maximumCount {
            throw Problem(message: "\(attributes.count) attributes are too many for one message",
                          fix: "send at most \(maximumCount); put the rest in the body")
        }
        for name in attributes.keys.sorted() {
            if let problem = problem(withName: name) { throw Problem(message: problem, fix: nameRule) }
            let bytes = attributes[name]?.utf8.count ?? 0
            if bytes > maximumValueBytes {
                throw Problem(message: "attribute \(JSONText.string(name)) has a value of \(bytes) bytes, more than \(maximumValueBytes)",
                              fix: "shorten it, or put the data in the body and a short reference in the attribute")
            }
        }
    }

    private static func add(name: String, value: String, to attributes: inout [String: String], source: String) throws(Problem) {
        if let problem = problem(withName: name) {
            throw Problem(message: "\(source): \(problem)", fix: nameRule)
        }
        guard attributes[name] == nil else {
            throw Problem(message: "\(source): attribute \(JSONText.string(name)) is given twice",
                          fix: "give each attribute once")
        }
        attributes[name] = value
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
    }
}
