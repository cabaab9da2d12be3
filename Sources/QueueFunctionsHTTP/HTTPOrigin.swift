/// A web origin, as a browser sends it in the `Origin` header: a scheme, a host and a
/// port (`http://localhost:5173`). Browsers send `Origin` with every cross-origin
/// request and every `POST`, so it tells which page made a request.
package struct HTTPOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    package var scheme: String
    /// The host, normalised as ``HTTPHostName/normalized(_:)`` does (`::1` without brackets).
    package var host: String
    /// The port; the scheme's default (80, 443) when the origin names none.
    package var port: Int

    /// Parses `scheme://host[:port]`, with an optional trailing `/` (as people write it
    /// on a command line); nil for `null`, other schemes, a path, user info or a bad port.
    package init?(_ text: String) {
        let text = text.trimmingSpaces
        guard let separator = text.range(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var authority = text[separator.upperBound...]
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains(where: { "/?#@ \\".contains($0) }) else { return nil }
        guard let host = HTTPHostName.parse(hostHeader: String(authority)) else { return nil }
        var port = scheme == "https" ? 443 : 80
        let portText: Substring?
        if authority.hasPrefix("[") {
            portText = authority.firstIndex(of: "]").flatMap { close in
                let rest = authority[authority.index(after: close)...]
                return rest.isEmpty ? nil : rest.dropFirst()
            }
        } else {
            portText = authority.firstIndex(of: ":").map { authority[authority.index(after: $0)...] }
        }
        if let portText, let number = Int(portText) { port = number }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// The origin as a browser serialises it: `http://localhost:5173`, `https://example.test`
    /// (the default port left out), `http://[::1]:8080`.
    package var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(shownHost)" : "\(scheme)://\(shownHost):\(port)"
    }
}
