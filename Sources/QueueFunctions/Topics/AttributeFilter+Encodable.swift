/// A filter encodes as `functions.json` writes it: `{"region": [{"prefix": "eu-"}], "type": ["order-placed"]}`.
extension AttributeFilter: Encodable {
    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Encodes the filter as an object of attribute names, each with its list of conditions.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Name.self)
        for name in conditions.keys.sorted() {
            try container.encode(conditions[name] ?? [], forKey: Name(stringValue: name))
        }
    }
}

extension AttributeFilter.Condition: Encodable {
    private enum Operator: String, CodingKey {
        case prefix, exists
    }

    /// Encodes an exact value as a string, the others as `{"prefix": …}` or `{"exists": …}`.
    public func encode(to encoder: any Encoder) throws {
        switch written {
        case .exact(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .prefix(let prefix):
            var container = encoder.container(keyedBy: Operator.self)
            try container.encode(prefix, forKey: .prefix)
        case .exists(let present):
            var container = encoder.container(keyedBy: Operator.self)
            try container.encode(present, forKey: .exists)
        }
    }
}
