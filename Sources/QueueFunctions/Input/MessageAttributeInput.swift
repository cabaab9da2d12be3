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
    /// The most attributes on one message (``MessageAttributes/maximumCount``, as SQS).
    package static let maximumCount = MessageAttributes.maximumCount

    /// The limits, for a fix text.
    package static let limitsRule = "a message takes at most \(MessageAttributes.maximumCount) attributes, "
        + "\(MessageAttributes.maximumTotalBytes / 1_024) KiB of names and values in all"

    /// How to write a valid name.
    package static let nameRule = "use 1 to \(MessageAttributes.maximumNameLength) ASCII letters, digits, '-', '_' and '.', "
        + "not starting with 'AWS.' or 'Amazon.', such as \"order-type\""

    /// A refused attribute: what was wrong and what to do.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong.
        package var message: String
        /// What to do.
        package var fix: String

        /// `message; fix` (the message alone when it already holds the fix).
        package var description: String { fix.isEmpty ? message : "\(message); \(fix)" }
    }

    /// Why `name` is not a valid attribute name, or nil when it is (``MessageAttributes``'s rule).
    package static func problem(withName name: String) -> String? {
        MessageAttributes.nameProblem(name)
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

    /// Checks the count and sizes of a message's attributes with ``MessageAttributes/validate(_:)``,
    /// the one rule every producer surface and engine follows.
    ///
    /// - Throws: ``Problem`` naming the first limit passed.
    package static func checkLimits(_ attributes: [String: String]) throws(Problem) {
        do {
            try MessageAttributes.validate(attributes)
        } catch {
            throw Problem(message: "\(error)", fix: limitsRule)
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
}
