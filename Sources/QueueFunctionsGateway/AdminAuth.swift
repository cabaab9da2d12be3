import QueueFunctions
import QueueFunctionsHTTP

/// Guards the admin API and `/metrics` with the bearer token given at start-up.
///
/// Without a token every request passes, which is only allowed on a loopback
/// address (see ``Gateway/init(host:configuration:logger:)``). With one, a request
/// must carry `Authorization: Bearer TOKEN`.

package struct AdminAuth: Sendable {
    /// The token requests must present; nil lets every request through.
    let token: String?

    /// Whether `host` is an address only this machine can reach (`127.0.0.0/8`, `::1`, `localhost`).
    package static func isLoopback(_ host: String) -> Bool {
        var address = host.lowercased()
        if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        if address == "localhost" || address == "::1" || address == "0:0:0:0:0:0:0:1" { return true }
        if address.hasPrefix("::ffff:") { address = String(address.dropFirst(7)) }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts.first == "127"
    }

    /// Why `token` cannot be used, or nil when it can.
    static func problem(with token: String) -> String? {
        if token.isEmpty { return "it is empty" }
        if token.count < 8 { return "it is shorter than 8 characters" }
        let allowed = "-._~+/=".unicodeScalars
        if let bad = token.unicodeScalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || allowed.contains($0))) }) {
            return bad.properties.isWhitespace ? "it contains whitespace" : "it contains the character U+\(String(bad.value, radix: 16, uppercase: true))"
        }
        return nil
    }

    /// Nil when `request` may proceed, else the `401` to answer with.
    func refusal(for request: HTTPRequest) -> HTTPResponse? {
        guard let token else { return nil }
        let how = "Send the header 'Authorization: Bearer TOKEN' with the token the host was started with "
            + "(--admin-token or QUEUEFUNCTIONS_ADMIN_TOKEN)."
        guard let header = request.headers["Authorization"] else {
            return Self.unauthorized("This endpoint needs the admin token. \(how)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return Self.unauthorized("The Authorization header must use the Bearer scheme. \(how)")
        }
        guard Self.constantTimeEqual(Array(parts[1].trimmingSpaces.utf8), Array(token.utf8)) else {
            return Self.unauthorized("The admin token is wrong. \(how)")
        }
        return nil
    }

    private static func unauthorized(_ message: String) -> HTTPResponse {
        var response = HTTPResponse.error(status: 401, message)
        response.headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"queuefunctions\"")
        return response
    }

    /// Compares without stopping at the first difference, so timing reveals nothing but the length.
    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
