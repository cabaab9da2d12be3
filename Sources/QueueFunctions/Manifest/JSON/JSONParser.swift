/// A strict JSON (RFC 8259) parser that records where every key and value starts.
///
/// Foundation's `JSONSerialization` loses positions and silently merges duplicate
/// keys; the manifest needs both to point at the exact line of a mistake.
package struct JSONParser {
    /// Objects and arrays nested deeper than this are refused rather than risking the stack.
    package static let maximumDepth = 256

    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1
    private var path: [String] = []
    private var depth = 0

    /// Parses `text` as one JSON value.
    ///
    /// - Throws: ``JSONSyntaxError`` at the first place the text stops being JSON.
    package static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8))
        return try parser.parseDocument()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Document and containers

    private mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
        try skipWhitespace()
        guard offset < bytes.count else {
            throw error("the file is empty", fix: #"start from {"queues": [], "functions": []}"#)
        }
        let value = try parseValue()
        try skipWhitespace()
        if offset < bytes.count {
            throw error(
                "unexpected \(describeCurrent()) after the end of the top-level value",
                fix: "remove it, or wrap everything in one object"
            )
        }
        return value
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        let start = location
        guard let byte = current else {
            throw error("the file ends where a value was expected", fix: "add the missing value and closing brackets")
        }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return JSONValue(kind: .string(try parseString()), location: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "'"):
            throw error("strings must be in double quotes, not single quotes", fix: #"write "text" instead of 'text'"#)
        default:
            return try parseLiteral()
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        let start = location
        try enterContainer()
        advance()
        var members: [JSONMember] = []
        try skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
            depth -= 1
            return JSONValue(kind: .object(members), location: start)
        }
        while true {
            try skipWhitespace()
            guard let byte = current else { throw unterminated("object", opened: start, closer: "}") }
            guard byte == UInt8(ascii: "\"") else {
                if byte == UInt8(ascii: "}") {
                    throw error("trailing comma before '}'", fix: "remove the comma after the last member")
                }
                throw error(
                    "expected a key in double quotes, found \(describeCurrent())",
                    fix: #"write keys as "key": value"#
                )
            }
            let keyLocation = location
            let key = try parseString()
            try skipWhitespace()
            guard current == UInt8(ascii: ":") else {
                throw error("expected ':' after the key \(JSONText.string(key)), found \(describeCurrent())", fix: #"write "key": value"#)
            }
            advance()
            try skipWhitespace()
            path.append(JSONPath.member("", key))
            let value = try parseValue()
            path.removeLast()
            members.append(JSONMember(key: key, keyLocation: keyLocation, value: value))
            try skipWhitespace()
            guard let next = current else { throw unterminated("object", opened: start, closer: "}") }
            if next == UInt8(ascii: ",") { advance(); continue }
            if next == UInt8(ascii: "}") { advance(); break }
            throw error(
                "expected ',' or '}' after the member \(JSONText.string(key)), found \(describeCurrent())",
                fix: "add a comma between members, or close the object with '}'"
            )
        }
        depth -= 1
        return JSONValue(kind: .object(members), location: start)
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        let start = location
        try enterContainer()
        advance()
        var elements: [JSONValue] = []
        try skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
            depth -= 1
            return JSONValue(kind: .array(elements), location: start)
        }
        while true {
            try skipWhitespace()
            if current == nil { throw unterminated("array", opened: start, closer: "]") }
            if current == UInt8(ascii: "]") {
                throw error("trailing comma before ']'", fix: "remove the comma after the last element")
            }
            path.append(JSONPath.element("", elements.count))
            elements.append(try parseValue())
            path.removeLast()
            try skipWhitespace()
            guard let next = current else { throw unterminated("array", opened: start, closer: "]") }
            if next == UInt8(ascii: ",") { advance(); continue }
            if next == UInt8(ascii: "]") { advance(); break }
            throw error(
                "expected ',' or ']' after an array element, found \(describeCurrent())",
                fix: "add a comma between elements, or close the array with ']'"
            )
        }
        depth -= 1
        return JSONValue(kind: .array(elements), location: start)
    }

    private mutating func enterContainer() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw error("objects and arrays are nested more than \(Self.maximumDepth) deep", fix: "flatten the structure")
        }
    }

    private func unterminated(_ kind: String, opened start: SourceLocation, closer: String) -> JSONSyntaxError {
        error("the file ends inside the \(kind) opened at \(start)", fix: "add the missing '\(closer)'")
    }

    // MARK: Scalars

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = location
        advance()
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() {
            guard !run.isEmpty else { return }
            scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
            run.removeAll(keepingCapacity: true)
        }
        while true {
            guard let byte = current else {
                throw JSONSyntaxError(
                    location: start, path: currentPath, message: "the string that starts here is never closed",
                    fix: "add the closing '\"'"
                )
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                scalars.append(try parseEscape())
            case 0x0A, 0x0D:
                throw error("a string cannot contain a line break", fix: #"close the string on the same line, or write \n"#)
            case ..<0x20:
                throw error("a string cannot contain control character \(byte)", fix: #"write it as an escape such as \t or \u0009"#)
            default:
                run.append(byte)
                advance()
            }
        }
    }

    private mutating func parseEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let start = location
        advance()
        guard let byte = current else { throw error("the file ends inside an escape", fix: "complete or remove the escape") }
        let simple: [UInt8: Unicode.Scalar] = [
            UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/", UInt8(ascii: "b"): "\u{08}",
            UInt8(ascii: "f"): "\u{0C}", UInt8(ascii: "n"): "\n", UInt8(ascii: "r"): "\r", UInt8(ascii: "t"): "\t",
        ]
        if let scalar = simple[byte] {
            advance()
            return scalar
        }
        guard byte == UInt8(ascii: "u") else {
            throw JSONSyntaxError(
                location: start, path: currentPath,
                message: "invalid escape '\\\(describeScalar(at: offset))'",
                fix: #"use one of \" \\ \/ \b \f \n \r \t \uXXXX, or write \\ for a backslash"#
            )
        }
        advance()
        let high = try parseHex4()
        if (0xD800...0xDBFF).contains(high) {
            guard current == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else {
                throw error("a lone UTF-16 surrogate \\u\(String(high, radix: 16, uppercase: true))", fix: "follow it with its low surrogate \\uDC00…\\uDFFF")
            }
            advance()
            advance()
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            else {
                throw error("an invalid UTF-16 surrogate pair", fix: "write the character itself instead of escaping it")
            }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else {
            throw error("a lone UTF-16 surrogate \\u\(String(high, radix: 16, uppercase: true))", fix: "write the character itself instead of escaping it")
        }
        return scalar
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexValue(byte) else {
                throw error(#"\u must be followed by four hex digits"#, fix: #"write \u00e9, for example"#)
            }
            value = value * 16 + digit
            advance()
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = location
        let startOffset = offset
        // Take the whole token first, so the message can quote it.
        while let byte = current, !isDelimiter(byte) { advance() }
        let text = String(decoding: bytes[startOffset..<offset], as: UTF8.self)
        guard Self.isValidNumber(text), let value = Double(text), value.isFinite else {
            throw JSONSyntaxError(
                location: start, path: currentPath, message: "invalid number '\(text)'",
                fix: "write numbers like 10, 0.5 or 1e3 (no leading zeros, '+' or trailing '.'), or quote a duration such as \"30s\""
            )
        }
        return JSONValue(kind: .number(value, text: text), location: start)
    }

    /// Whether `text` matches JSON's number grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    package static func isValidNumber(_ text: String) -> Bool {
        var chars = Array(text.utf8)[...]
        func digits() -> Int {
            let count = chars.prefix(while: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }).count
            chars = chars.dropFirst(count)
            return count
        }
        if chars.first == UInt8(ascii: "-") { chars = chars.dropFirst() }
        if chars.first == UInt8(ascii: "0") {
            chars = chars.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if chars.first == UInt8(ascii: ".") {
            chars = chars.dropFirst()
            if digits() == 0 { return false }
        }
        if chars.first == UInt8(ascii: "e") || chars.first == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if chars.first == UInt8(ascii: "+") || chars.first == UInt8(ascii: "-") { chars = chars.dropFirst() }
            if digits() == 0 { return false }
        }
        return chars.isEmpty
    }

    private mutating func parseLiteral() throws(JSONSyntaxError) -> JSONValue {
        let start = location
        let startOffset = offset
        while let byte = current, !isDelimiter(byte) { advance() }
        let word = String(decoding: bytes[startOffset..<offset], as: UTF8.self)
        switch word {
        case "true": return JSONValue(kind: .bool(true), location: start)
        case "false": return JSONValue(kind: .bool(false), location: start)
        case "null": return JSONValue(kind: .null, location: start)
        default:
            let shown = word.isEmpty ? describeScalar(at: startOffset) : word
            let fix: String
            switch word.lowercased() {
            case "true", "false", "null": fix = "write \(word.lowercased()) in lowercase"
            case "nan", "infinity", "-infinity": fix = "JSON has no \(word); write a finite number"
            default: fix = #"quote text as "\#(word.isEmpty ? "text" : word)"; the only bare words are true, false and null"#
            }
            throw JSONSyntaxError(location: start, path: currentPath, message: "unexpected '\(shown)' where a value was expected", fix: fix)
        }
    }

    private func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"), UInt8(ascii: "\""),
            UInt8(ascii: " "), 0x09, 0x0A, 0x0D:
            true
        default:
            false
        }
    }

    // MARK: Whitespace and position

    private mutating func skipWhitespace() throws(JSONSyntaxError) {
        while let byte = current {
            switch byte {
            case UInt8(ascii: " "), 0x09, 0x0A, 0x0D:
                advance()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/") || peek(1) == UInt8(ascii: "*"):
                throw error("comments are not allowed in JSON", fix: "remove the comment")
            default:
                return
            }
        }
    }

    private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private func peek(_ distance: Int) -> UInt8? {
        offset + distance < bytes.count ? bytes[offset + distance] : nil
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column) }

    private var currentPath: String { JSONPath.root + path.joined() }

    /// Moves past one byte, counting lines (LF, CR, CRLF) and columns in Unicode scalars.
    private mutating func advance() {
        guard let byte = current else { return }
        offset += 1
        if byte == 0x0A || (byte == 0x0D && current != 0x0A) {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 && byte != 0x0D {
            column += 1
        }
    }

    private func describeCurrent() -> String {
        offset < bytes.count ? "'\(describeScalar(at: offset))'" : "the end of the file"
    }

    private func describeScalar(at index: Int) -> String {
        guard index < bytes.count else { return "" }
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[index..<end], as: UTF8.self)
        switch text {
        case "\n": return "\\n"
        case "\t": return "\\t"
        default: return text
        }
    }

    private func error(_ message: String, fix: String) -> JSONSyntaxError {
        JSONSyntaxError(location: location, path: currentPath, message: message, fix: fix)
    }
}
