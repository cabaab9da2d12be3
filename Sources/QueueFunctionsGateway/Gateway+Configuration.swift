import QueueFunctions
import QueueFunctionsHTTP

extension Gateway {
    /// Where the gateway listens and how it protects the admin API.
    package struct Configuration: Sendable {
        /// The HTTP server's address, limits and timeouts (default `127.0.0.1:7071`).
        package var server: HTTPServer.Configuration
        /// The bearer token every `/api/…` and `/metrics` request must carry, if any.
        /// Required when ``HTTPServer/Configuration/host`` is not a loopback address.
        package var adminToken: String?
        /// How often the dashboard's history of backlog and workers is sampled (default 1 s).
        package var historyInterval: Duration
        /// How many history samples are kept (default 300: five minutes at one per second).
        package var historyLength: Int
        /// Host names requests may carry in `Host` besides loopback names and the bind
        /// address (default none): `queues.test`, or `.test` for every name under `test`.
        /// Other names get `421`, which stops DNS rebinding.
        package var allowedHosts: [String]
        /// Origins (`http://localhost:5173`) whose web pages may call the host across
        /// sites (default none): their preflights are answered and their responses carry
        /// `Access-Control-Allow-Origin`. State-changing requests from other sites get `403`.
        package var corsOrigins: [String]

        /// Creates a configuration; every parameter has the default described on its property.
        package init(
            server: HTTPServer.Configuration = HTTPServer.Configuration(), adminToken: String? = nil,
            historyInterval: Duration = .seconds(1), historyLength: Int = 300,
            allowedHosts: [String] = [], corsOrigins: [String] = []
        ) {
            self.server = server
            self.adminToken = adminToken
            self.historyInterval = historyInterval
            self.historyLength = historyLength
            self.allowedHosts = allowedHosts
            self.corsOrigins = corsOrigins
        }
    }
}
