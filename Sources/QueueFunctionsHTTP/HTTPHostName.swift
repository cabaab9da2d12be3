/// Host names as they appear in a `Host` header, an `Origin` or a bind address:
/// parsing, normalising and telling loopback names apart.
///
/// A name is kept lowercased, without a port, without the square brackets of an IPv6
/// literal and without a trailing dot: `Host: LocalHost.:7071` is `localhost`,
/// `Host: [::1]:7071` is `::1`.
package enum HTTPHostName {
    /// The name of a `Host` header value (`localhost:7071`, `[::1]:7071`, `example.test`),
    /// or nil when the value is not a host with an optional numeric port.
    package static func parse(hostHeader value: String) -> String? {
        var text = Substring(value.trimmingSpaces)
        guard !text.isEmpty else { return nil }
        let name: Substring
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = text[text.index(after: text.startIndex)..<close]
            text = text[text.index(after: close)...]
            guard isIPv6Literal(name) else { return nil }
        } else if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            text = text[colon...]
        } else {
            name = text
            text = ""
        }
        if !text.isEmpty {
            guard text.first == ":" else { return nil }
            let port = text.dropFirst()
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port), number <= 65_535 else {
                return nil
            }
        }
        return normalized(name)
    }

    /// `name` lowercased, without brackets or a trailing dot; nil when it is empty or
    /// holds a character no host name or IP literal has.
    package static func normalized<S: StringProtocol>(_ name: S) -> String? {
        var text = Substring(name).lowercased()[...]
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.hasSuffix("."), text.count > 1 { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.count <= 253 else { return nil }
        if isIPv6Literal(text) { return String(text) }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-"
                || scalar == "." || scalar == "_")
        }
        guard allowed, !text.hasPrefix("."), !text.contains("..") else { return nil }
        return String(text)
    }

    /// Whether `name` (as ``normalized(_:)`` returns it) can only mean this machine:
    /// `localhost`, a name ending in `.localhost`, an address in `127.0.0.0/8`, `::1`,
    /// or `::ffff:127.x.y.z`.
    package static func isLoopback(_ name: String) -> Bool {
        guard let name = normalized(name) else { return false }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let v4 = name.hasPrefix("::ffff:") ? String(name.dropFirst(7)) : name
        guard let octets = ipv4Octets(v4) else { return false }
        return octets[0] == 127
    }

    /// Whether `name` is an IPv4 or IPv6 address literal rather than a DNS name.
    package static func isIPLiteral(_ name: String) -> Bool {
        guard let name = normalized(name) else { return false }
        return ipv4Octets(name) != nil || isIPv6Literal(name[...])
    }

    /// Whether `name` is the address that listens on every interface (`0.0.0.0` or `::`).
    package static func isWildcard(_ name: String) -> Bool {
        let name = normalized(name) ?? name
        return name == "0.0.0.0" || name == "::" || name == "0:0:0:0:0:0:0:0"
    }

    private static func ipv4Octets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit), let octet = UInt8(part) else { return nil }
            octets.append(octet)
        }
        return octets
    }

    private static func isIPv6Literal<S: StringProtocol>(_ text: S) -> Bool {
        guard text.contains(":"), text.utf8.count <= 45 else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isASCIIHexDigit || $0 == ":" || $0 == ".") }
    }
}

extension Character {
    /// Whether this is one of the ASCII digits `0`…`9`.
    package var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
