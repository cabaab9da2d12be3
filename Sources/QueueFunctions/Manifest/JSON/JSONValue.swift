/// A line and column in a text file, both 1-based; columns count Unicode scalars.
package struct SourceLocation: Sendable, Equatable, Comparable, CustomStringConvertible {
    /// The line, from 1.
    package var line: Int
    /// The column, from 1.
    package var column: Int

    /// Orders locations as they appear in the file.
    package static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `line:column`.
    package var description: String { "\(line):\(column)" }
}

/// A parsed JSON value that remembers where it was written.
///
/// Objects keep their members in file order, duplicates included, so the manifest
/// decoder can report a key written twice instead of silently keeping one.
package struct JSONValue: Sendable, Equatable {
    /// The kinds of JSON value.
    package enum Kind: Sendable, Equatable {
        /// `{…}`, members in file order.
        case object([JSONMember])
        /// `[…]`.
        case array([JSONValue])
        /// A string, escapes resolved.
        case string(String)
        /// A number, with the text it was written as (for messages).
        case number(Double, text: String)
        /// `true` or `false`.
        case bool(Bool)
        /// `null`.
        case null
    }

    /// What the value is.
    package var kind: Kind
    /// Where the value starts.
    package var location: SourceLocation

    /// The kind's name for messages, with an article ("an object", "a string").
    package var typeDescription: String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// The value for "found …" in messages: its kind, and its text when short
    /// (`a string "10"`, `a number 5`, `an object`).
    package var found: String {
        switch kind {
        case .object, .array, .null: typeDescription
        default: "\(typeDescription) \(excerpt)"
        }
    }

    /// The value as it would be quoted in a message (`"5x"`, `12`, `true`, `an object`).
    package var excerpt: String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string(let text): JSONText.string(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        case .number(_, let text): text
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        }
    }
}

/// One `"key": value` pair of a JSON object.
package struct JSONMember: Sendable, Equatable {
    /// The key, escapes resolved.
    package var key: String
    /// Where the key's opening quote is.
    package var keyLocation: SourceLocation
    /// The value.
    package var value: JSONValue
}
