import Foundation

/// PostgreSQL array literals (`{"a","b"}`), to pass a list as one text parameter that a
/// statement casts (`$1::text[]`). The values stay parameters: nothing is spliced into SQL.
enum PostgresArrayLiteral {
    /// `values` as a `text[]` literal: each element double-quoted, `"` and `\` escaped.
    static func text(_ values: [String]) -> String {
        var literal = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in value {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }

    /// `values` as an `int8[]` literal.
    static func integers(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
