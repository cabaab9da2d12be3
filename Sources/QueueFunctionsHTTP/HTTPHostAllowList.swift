/// The host names a server answers to, checked against each request's `Host` header to
/// defeat DNS rebinding: a page on `evil.example` whose name is made to resolve to
/// `127.0.0.1` reaches the server with `Host: evil.example`, which is not on the list.
///
/// Loopback names (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`) are always allowed,
/// and so is the address the server is bound to. When bound to every interface
/// (`0.0.0.0`, `::`), any IP address literal is allowed too, since a rebound DNS name
/// never arrives as one. Other names must be listed: `api.test` allows that name,
/// `.test` allows every name under `test`.
package struct HTTPHostAllowList: Sendable, Equatable {
    /// The names allowed besides loopback names, normalised; an entry starting with `.`
    /// allows every name under it.
    package private(set) var names: [String]
    /// The bind address, normalised.
    package private(set) var bindAddress: String

    /// Creates the list for a server bound to `bindAddress` that also answers to `names`.
    ///
    /// - Throws: ``HTTPHostAllowList/InvalidName`` for an entry that is not a host name
    ///   (it has a scheme, a port, a path or a space, for example).
    package init(bindAddress: String, names: [String] = []) throws(InvalidName) {
        self.bindAddress = HTTPHostName.normalized(bindAddress) ?? bindAddress.lowercased()
        var normalized: [String] = []
        for name in names {
            let isSuffix = name.hasPrefix(".")
            guard let clean = HTTPHostName.normalized(isSuffix ? String(name.dropFirst()) : name) else {
                throw InvalidName(name: name)
            }
            normalized.append(isSuffix ? "." + clean : clean)
        }
        self.names = normalized
    }

    /// Whether a request whose `Host` header holds `value` may be answered.
    package func permits(hostHeader value: String) -> Bool {
        guard let name = HTTPHostName.parse(hostHeader: value) else { return false }
        return permits(name: name)
    }

    /// Whether the normalised host name `name` is allowed.
    package func permits(name: String) -> Bool {
        if HTTPHostName.isLoopback(name) || name == bindAddress { return true }
        if HTTPHostName.isWildcard(bindAddress) && HTTPHostName.isIPLiteral(name) { return true }
        return names.contains { entry in
            entry.hasPrefix(".") ? name.hasSuffix(entry) : name == entry
        }
    }

    /// The allowed names for a message: `localhost, *.localhost, 127.0.0.1, [::1], api.test`.
    package var summary: String {
        var shown = ["localhost", "*.localhost", "127.0.0.1", "[::1]"]
        if HTTPHostName.isWildcard(bindAddress) {
            shown.append("any IP address")
        } else if !HTTPHostName.isLoopback(bindAddress) {
            shown.append(bindAddress.contains(":") ? "[\(bindAddress)]" : bindAddress)
        }
        shown += names.map { $0.hasPrefix(".") ? "*" + $0 : $0 }
        return shown.joined(separator: ", ")
    }

    /// An entry that is not a host name.
    package struct InvalidName: Error, Sendable, Equatable, CustomStringConvertible {
        /// The entry as given.
        package var name: String

        /// What was wrong and how to write it.
        package var description: String {
            "'\(name)' is not a host name; give a bare name such as 'queues.test' or 'my-laptop.local' (no scheme, "
                + "port or path), or '.test' for every name under test"
        }
    }
}
