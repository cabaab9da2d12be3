/// One JSON object of the manifest, opened for reading: its members by key
/// (first occurrence), its path and a name to use in messages.
struct JSONObjectFields: Sendable {
    /// The object's JSON path (`$.functions[0].trigger`).
    var path: String
    /// Where the object's `{` is.
    var location: SourceLocation
    /// The object's name in messages ("the trigger").
    var name: String
    /// The keys the object may have, in documentation order.
    var allowedKeys: [String]
    /// The members by key; for a duplicated key, the first.
    var members: [String: JSONMember]

    /// The member written under `key`, if any.
    subscript(key: String) -> JSONMember? { members[key] }

    /// The JSON path of member `key`.
    func path(_ key: String) -> String { JSONPath.member(path, key) }
}
