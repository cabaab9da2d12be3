import Foundation
import QueueFunctionsGateway
import QueueFunctionsHTTP

/// The optional HTTP gateway of an embedded host: producer routes, the admin API,
/// `/metrics` and the dashboard.
public struct GatewayOptions: Sendable {
    /// The address to bind (default `127.0.0.1`; anything but loopback needs ``adminToken``).
    public var bind: String
    /// The port (default 7071; 0 picks a free one).
    public var port: Int
    /// The bearer token for `/api/…` and `/metrics`; required off loopback.
    public var adminToken: String?
    /// Host names accepted in the `Host` header besides loopback names (`--allowed-host`);
    /// a leading dot allows every name under it (`.test`).
    public var allowedHosts: [String]
    /// Web origins whose pages may post work and call the admin API (`--cors-origin`),
    /// such as `http://localhost:5173`; preflights from them are answered.
    public var corsOrigins: [String]

    /// Creates gateway options; every parameter has the default described on its property.
    public init(
        bind: String = "127.0.0.1", port: Int = 7071, adminToken: String? = nil, allowedHosts: [String] = [],
        corsOrigins: [String] = []
    ) {
        self.bind = bind
        self.port = port
        self.adminToken = adminToken
        self.allowedHosts = allowedHosts
        self.corsOrigins = corsOrigins
    }

    /// The gateway's own configuration.
    package var configuration: Gateway.Configuration {
        Gateway.Configuration(
            server: HTTPServer.Configuration(host: bind, port: port), adminToken: adminToken, allowedHosts: allowedHosts,
            corsOrigins: corsOrigins
        )
    }
}
