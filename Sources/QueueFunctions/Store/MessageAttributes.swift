import Foundation

/// The limits on message attributes, checked by every producer surface (HTTP headers,
/// CLI flags, `context.send`) through ``validate(_:)`` before a message is stored.
///
/// They follow SQS: at most 10 attributes; a name is 1–256 characters of letters,
/// digits, `_`, `-` and `.`, neither starting with `AWS.`/`Amazon.` nor holding `..`;
/// names and values together at most 256 KiB. Values may be empty here (SQS refuses
/// empty values; an empty string is still a useful "present" marker for filters).
public enum MessageAttributes {
    /// The most attributes one message may carry (SQS: 10).
    public static let maximumCount = 10
    /// The longest attribute name, in UTF-8 bytes (SQS: 256).
    public static let maximumNameLength = 256
    /// The most bytes of all names and values together (SQS: 256 KiB, shared with the body there).
    public static let maximumTotalBytes = 256 * 1_024

    /// An attribute set that breaks a limit.
    public struct LimitError: Error, CustomStringConvertible, Sendable, Equatable {
        /// What was wrong, where, and how to fix it.
        public var description: String
    }

    /// Checks `attributes` against the limits.
    ///
    /// - Throws: ``LimitError`` naming the attribute and the rule it breaks.
    public static func validate(_ attributes: [String: String]) throws {
        if attributes.count > maximumCount {
            throw LimitError(description: "a message carries at most \(maximumCount) attributes; this one has "
                + "\(attributes.count) (\(attributes.keys.sorted().joined(separator: ", "))); drop some or put them in the body")
        }
        var total = 0
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            try validateName(name)
            total += name.utf8.count + value.utf8.count
        }
        if total > maximumTotalBytes {
            throw LimitError(description: "the message attributes take \(total) bytes; at most \(maximumTotalBytes) are allowed; "
                + "move large values into the body")
        }
    }

    private static func validateName(_ name: String) throws {
        if let problem = nameProblem(name) { throw LimitError(description: problem) }
    }

    /// Why `name` is not a valid attribute name (with the fix), or nil when it is: the one
    /// name rule for producers, handlers and topic filters.
    package static func nameProblem(_ name: String) -> String? {
        if name.isEmpty {
            return "an attribute name is empty; give every attribute a name such as 'event-type'"
        }
        if name.utf8.count > maximumNameLength {
            return "attribute name '\(name.prefix(40))…' is \(name.utf8.count) bytes; at most \(maximumNameLength) are allowed"
        }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))) || "_-.".unicodeScalars.contains(scalar)
        }
        if !allowed {
            return "attribute name '\(name.debugDescription.dropFirst().dropLast())' may hold only ASCII letters, digits, '_', '-' and '.'; rename it"
        }
        if name.hasPrefix(".") || name.hasSuffix(".") || name.contains("..") {
            return "attribute name '\(name)' may not start or end with '.' or hold '..'; rename it"
        }
        let lowered = name.lowercased()
        if lowered.hasPrefix("aws.") || lowered.hasPrefix("amazon.") {
            return "attribute name '\(name)' starts with a reserved prefix ('AWS.' or 'Amazon.'); rename it"
        }
        return nil
    }
}
