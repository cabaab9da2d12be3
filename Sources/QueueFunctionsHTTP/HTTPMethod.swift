/// A request method such as `GET` or `POST`; any token the client sends is kept as is.
package struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The method name exactly as sent (methods are case-sensitive).
    package var rawValue: String

    /// Creates a method from its name.
    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Creates a method from a literal such as `"PATCH"`.
    package init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// The method name.
    package var description: String { rawValue }

    /// `GET`.
    package static let get: HTTPMethod = "GET"
    /// `HEAD`: like `GET`, but the response body is not sent.
    package static let head: HTTPMethod = "HEAD"
    /// `POST`.
    package static let post: HTTPMethod = "POST"
    /// `PUT`.
    package static let put: HTTPMethod = "PUT"
    /// `DELETE`.
    package static let delete: HTTPMethod = "DELETE"
    /// `PATCH`.
    package static let patch: HTTPMethod = "PATCH"
    /// `OPTIONS`.
    package static let options: HTTPMethod = "OPTIONS"
}
