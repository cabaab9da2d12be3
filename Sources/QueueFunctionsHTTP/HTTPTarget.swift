/// Splits and decodes a request target into a path and query items.
enum HTTPTarget {
    /// The percent-decoded path and the query items of `target`.
    static func split(_ target: String, method: HTTPMethod) throws(HTTPParseFailure) -> (String, [HTTPRequest.QueryItem]) {
        var rest = Substring(target)
        if target == "*" {
            guard method == .options else {
                throw .badRequest("The request target '*' is only allowed with OPTIONS. Send a path such as '/'.")
            }
            return ("*", [])
        }
        let lowered = target.prefix(8).lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            let afterScheme = rest[rest.index(rest.firstIndex(of: ":") ?? rest.startIndex, offsetBy: 3)...]
            rest = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterScheme[$0...] } ?? "/"
            if rest.first == "?" { rest = "/" + rest }
        }
        guard rest.first == "/" else {
            throw .badRequest("The request target '\(target.prefix(200))' must start with '/', as in 'GET /queues HTTP/1.1'.")
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let rawPath: Substring
        var items: [HTTPRequest.QueryItem] = []
        if let mark = rest.firstIndex(of: "?") {
            rawPath = rest[..<mark]
            items = queryItems(rest[rest.index(after: mark)...])
        } else {
            rawPath = rest
        }
        guard let path = percentDecode(rawPath, plusIsSpace: false) else {
            throw .badRequest("The path '\(rawPath.prefix(200))' has an invalid percent-escape or is not UTF-8. Encode reserved bytes as %XX.")
        }
        return (path, items)
    }

    /// The `&`-separated items of a query string; undecodable parts are kept as sent.
    static func queryItems(_ query: Substring) -> [HTTPRequest.QueryItem] {
        query.split(separator: "&").map { pair in
            let name: Substring
            let value: Substring
            if let equals = pair.firstIndex(of: "=") {
                name = pair[..<equals]
                value = pair[pair.index(after: equals)...]
            } else {
                name = pair
                value = ""
            }
            return HTTPRequest.QueryItem(name: percentDecode(name, plusIsSpace: true) ?? String(name),
                                         value: percentDecode(value, plusIsSpace: true) ?? String(value))
        }
    }

    /// Decodes `%XX` escapes (and `+` as space when asked); `nil` if malformed or not UTF-8.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        guard text.contains("%") || (plusIsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 65...70: byte - 55
        case 97...102: byte - 87
        default: nil
        }
    }
}
