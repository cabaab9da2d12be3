import Foundation

/// Builds the JSONPath strings diagnostics use (`$.functions[0].trigger.batch_size`).
package enum JSONPath {
    /// The path of the whole document.
    package static let root = "$"

    /// The path of member `key` of the object at `base`: `.key`, or `["a key"]` when
    /// the key is not a plain name.
    package static func member(_ base: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
        }
        return plain ? "\(base).\(key)" : "\(base)[\(JSONText.string(key))]"
    }

    /// The path of element `index` of the array at `base`: `[index]`.
    package static func element(_ base: String, _ index: Int) -> String {
        "\(base)[\(index)]"
    }

    /// The path one level up (`$.a[0].b` → `$.a[0]`), or nil for the root.
    package static func parent(of path: String) -> String? {
        guard path != root, let last = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
        if path[last] == "[", path.hasSuffix("\"]"), let quote = lastQuotedMemberStart(path) {
            return String(path[..<quote])
        }
        return String(path[..<last])
    }

    /// The start of a trailing `["…"]` member, whose key may itself contain `.` or `[`.
    private static func lastQuotedMemberStart(_ path: String) -> String.Index? {
        guard let range = path.range(of: "[\"", options: .backwards) else { return nil }
        return range.lowerBound
    }
}
