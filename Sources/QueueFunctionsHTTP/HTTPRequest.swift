import Foundation

/// One request received by ``HTTPServer``, with its body read in full.
package struct HTTPRequest: Sendable {
    /// One `name=value` pair of the query string, percent-decoded (`+` means a space).
    package struct QueryItem: Sendable, Equatable {
        /// The decoded name.
        package var name: String
        /// The decoded value (empty when the item had no `=`).
        package var value: String

        /// Creates a query item.
        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The request method.
    package var method: HTTPMethod
    /// The percent-decoded path without the query string (`/queues/orders`).
    package var path: String
    /// The query string items, in order.
    package var queryItems: [QueryItem]
    /// The header fields; lookups ignore case.
    package var headers: HTTPHeaders
    /// The body, already de-chunked; empty when the request had none.
    package var body: Data
    /// The client's address and port (`127.0.0.1:51234`, `[::1]:51234`).
    package var remoteAddress: String
    /// The request target exactly as sent (`/queues/orders?limit=10`).
    package var target: String
    /// The protocol version as sent (`HTTP/1.1`).
    package var version: String

    /// Creates a request, for example to call a handler directly in a test.
    package init(
        method: HTTPMethod = .get,
        path: String = "/",
        queryItems: [QueryItem] = [],
        headers: HTTPHeaders = [:],
        body: Data = Data(),
        remoteAddress: String = "127.0.0.1:0",
        target: String? = nil,
        version: String = "HTTP/1.1"
    ) {
        self.method = method
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.target = target ?? path
        self.version = version
    }

    /// The value of the first query item called `name`, or `nil`.
    package func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// The body decoded as UTF-8 (invalid bytes become U+FFFD).
    package var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}
