extension HTTPServer {
    /// Where the server listens and the limits it enforces on clients.
    package struct Configuration: Sendable {
        /// The address to bind: an IPv4 or IPv6 literal or `localhost` (default `127.0.0.1`,
        /// reachable only from this machine; `0.0.0.0` listens on every interface).
        package var host: String
        /// The TCP port (default `7071`); `0` picks a free port, see ``HTTPServer/boundPort``.
        package var port: Int
        /// The largest request line plus header section accepted; larger gets `431` (default 16 KiB).
        package var maxHeaderBytes: Int
        /// The largest request body accepted; larger gets `413` before it is read (default 1 MiB).
        package var maxBodyBytes: Int
        /// How long a client may take to send the request line and headers, from its
        /// first byte; slower gets `408` (default 10 s).
        package var headerTimeout: Duration
        /// How long a client may take to send the body once the headers are in;
        /// slower gets `408` (default 10 s).
        package var bodyTimeout: Duration
        /// How long an idle keep-alive connection stays open (default 30 s).
        package var keepAliveIdleTimeout: Duration
        /// How long a response may wait for a client that does not read it before
        /// the connection is dropped (default 10 s).
        package var writeTimeout: Duration
        /// The most connections served at once (default 256). At the limit the connection idle
        /// longest is closed to make room; when all are busy a new client gets `503`. The
        /// process's open-file limit is raised to fit, or the number lowered when it cannot be.
        package var maxConnections: Int
        /// How long ``HTTPServer/shutdown()`` waits for running handlers before
        /// cancelling their tasks (default 10 s); it still waits for them to return.
        package var shutdownGracePeriod: Duration

        /// Creates a configuration; every parameter has the default described on its property.
        package init(
            host: String = "127.0.0.1",
            port: Int = 7071,
            maxHeaderBytes: Int = 16 * 1024,
            maxBodyBytes: Int = 1024 * 1024,
            headerTimeout: Duration = .seconds(10),
            bodyTimeout: Duration = .seconds(10),
            keepAliveIdleTimeout: Duration = .seconds(30),
            writeTimeout: Duration = .seconds(10),
            maxConnections: Int = 256,
            shutdownGracePeriod: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.keepAliveIdleTimeout = keepAliveIdleTimeout
            self.writeTimeout = writeTimeout
            self.maxConnections = maxConnections
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }
}
