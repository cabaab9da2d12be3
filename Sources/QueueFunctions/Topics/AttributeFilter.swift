/// Which messages a topic subscription takes, by their attributes: a subset of SNS
/// filter policies.
///
/// A filter maps attribute names to a list of conditions. A message matches when, for
/// every name in the filter, at least one of its conditions holds (all keys, any of
/// each list). Attributes the filter does not name are ignored, and an empty filter
/// matches every message.
///
/// ```swift
/// let filter = AttributeFilter([
///     "type": [.equals("order-placed")],
///     "region": [.prefix("eu-"), .equals("uk")],
///     "vip": [.exists],
///     "tier": [.notExists],
/// ])
/// filter.matches(["type": "order-placed", "region": "eu-west", "vip": "yes"]) // true
/// ```
public struct AttributeFilter: Sendable, Equatable, CustomStringConvertible {
    /// One test of one attribute's value.
    ///
    /// A struct over a private enum, so later kinds (numeric ranges, anything-but) can be
    /// added without breaking code that uses it.
    public struct Condition: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Sendable, Hashable {
            case equals(String)
            case prefix(String)
            case exists(Bool)
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// The attribute is present with exactly `value` (written `"value"` in the manifest).
        public static func equals(_ value: String) -> Condition { Condition(.equals(value)) }
        /// The attribute is present and its value starts with `prefix` (`{"prefix": "eu-"}`).
        public static func prefix(_ prefix: String) -> Condition { Condition(.prefix(prefix)) }
        /// The attribute is present, whatever its value (`{"exists": true}`).
        public static let exists = Condition(.exists(true))
        /// The attribute is absent (`{"exists": false}`).
        public static let notExists = Condition(.exists(false))

        /// Whether an attribute with `value` (nil when the message does not carry it) passes.
        public func matches(_ value: String?) -> Bool {
            switch kind {
            case .equals(let expected): value == expected
            case .prefix(let prefix): value?.hasPrefix(prefix) ?? false
            case .exists(let present): (value != nil) == present
            }
        }

        /// The condition's kind and operand, for encoders.
        enum Written {
            case exact(String)
            case prefix(String)
            case exists(Bool)
        }

        /// The condition's kind and operand.
        var written: Written {
            switch kind {
            case .equals(let value): .exact(value)
            case .prefix(let prefix): .prefix(prefix)
            case .exists(let present): .exists(present)
            }
        }

        /// The condition as written in `functions.json`: `"order-placed"`, `{"prefix": "eu-"}`, `{"exists": true}`.
        public var description: String {
            switch kind {
            case .equals(let value): JSONText.string(value)
            case .prefix(let prefix): "{\"prefix\": \(JSONText.string(prefix))}"
            case .exists(let present): "{\"exists\": \(present)}"
            }
        }
    }

    /// The conditions by attribute name; each list is any-of.
    public var conditions: [String: [Condition]]

    /// Creates a filter; `[:]` matches every message.
    public init(_ conditions: [String: [Condition]] = [:]) {
        self.conditions = conditions
    }

    /// A filter that matches every message.
    public static let everything = AttributeFilter()

    /// Whether this filter matches every message.
    public var isEmpty: Bool { conditions.isEmpty }

    /// Whether a message with `attributes` matches: for every attribute name of the filter,
    /// one of its conditions holds.
    public func matches(_ attributes: [String: String]) -> Bool {
        conditions.allSatisfy { name, anyOf in
            let value = attributes[name]
            return anyOf.contains { $0.matches(value) }
        }
    }

    /// The filter as JSON, names sorted: `{"region": [{"prefix": "eu-"}], "type": ["order-placed"]}`.
    public var description: String {
        let members = conditions.keys.sorted().map { name in
            let list = (conditions[name] ?? []).map(\.description).joined(separator: ", ")
            return "\(JSONText.string(name)): [\(list)]"
        }
        return "{" + members.joined(separator: ", ") + "}"
    }
}
