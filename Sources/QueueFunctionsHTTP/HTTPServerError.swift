/// Why ``HTTPServer/start()`` could not start listening.
package enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process (or another server in this one) already listens on the address.
    case addressInUse(host: String, port: Int)
    /// The host is not an address of this machine.
    case addressNotAvailable(host: String, port: Int)
    /// The process may not bind the port (ports below 1024 need privileges).
    case permissionDenied(host: String, port: Int)
    /// The host is not an IP address or a name that resolves to one.
    case invalidHost(String)
    /// The port is outside 0...65535.
    case invalidPort(Int)
    /// A socket call failed for another reason.
    case socketFailure(operation: String, host: String, port: Int, errno: Int32)
    /// ``HTTPServer/start()`` was already called on this server.
    case alreadyStarted

    /// What happened and what to do about it.
    package var description: String {
        switch self {
        case let .addressInUse(host, port):
            "Cannot listen on \(Self.endpoint(host, port)): the address is already in use. Stop the other process using port \(port) (see `lsof -i :\(port)`) or choose another port with --port."
        case let .addressNotAvailable(host, port):
            "Cannot listen on \(Self.endpoint(host, port)): \(host) is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface) with --bind."
        case let .permissionDenied(host, port):
            "Cannot listen on \(Self.endpoint(host, port)): permission denied. Ports below 1024 need administrator rights; choose a port of 1024 or above with --port."
        case let .invalidHost(host):
            "Cannot listen on host '\(host)': it is not an IP address or a resolvable name. Use 127.0.0.1, ::1, 0.0.0.0 or localhost with --bind."
        case let .invalidPort(port):
            "Cannot listen on port \(port): ports are 0...65535 (0 picks a free one). Choose another with --port."
        case let .socketFailure(operation, host, port, code):
            "Cannot listen on \(Self.endpoint(host, port)): \(operation) failed with errno \(code) (\(HTTPSystem.errorText(code)))."
        case .alreadyStarted:
            "start() was already called on this HTTPServer; create a new server to listen again."
        }
    }

    package static func endpoint(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
