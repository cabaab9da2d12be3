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

    /// Creates gateway options; every parameter has the default described on its property.
    public init(bind: String = "127.0.0.1", port: Int = 7071, adminToken: String? = nil) {
        self.bind = bind
        self.port = port
        self.adminToken = adminToken
    }

    /// The gateway's own configuration.
    package var configuration: Gateway.Configuration {
        Gateway.Configuration(server: HTTPServer.Configuration(host: bind, port: port), adminToken: adminToken)
    }
}
