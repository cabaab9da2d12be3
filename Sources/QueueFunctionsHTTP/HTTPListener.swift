#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens the listening socket. Runs once in ``HTTPServer/start()``; resolving a
/// numeric host or `localhost` does not touch the network.
enum HTTPListener {
    /// A bound, listening, non-blocking socket and the port it got.
    static func open(host: String, port: Int, backlog: Int32 = 512) throws(HTTPServerError) -> (fd: Int32, port: Int) {
        guard (0...65_535).contains(port) else { throw .invalidPort(port) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = HTTPSystem.streamSocketType
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .invalidHost(host)
        }
        defer { freeaddrinfo(list) }
        let info = first.pointee
        let fd = socket(info.ai_family, HTTPSystem.streamSocketType, 0)
        guard fd >= 0 else { throw .socketFailure(operation: "socket()", host: host, port: port, errno: errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        HTTPSystem.configure(fd)
        guard bind(fd, info.ai_addr, info.ai_addrlen) == 0 else {
            let code = errno
            HTTPSystem.close(fd)
            switch code {
            case EADDRINUSE: throw .addressInUse(host: host, port: port)
            case EADDRNOTAVAIL: throw .addressNotAvailable(host: host, port: port)
            case EACCES, EPERM: throw .permissionDenied(host: host, port: port)
            default: throw .socketFailure(operation: "bind()", host: host, port: port, errno: code)
            }
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            HTTPSystem.close(fd)
            if code == EADDRINUSE { throw .addressInUse(host: host, port: port) }
            throw .socketFailure(operation: "listen()", host: host, port: port, errno: code)
        }
        return (fd, HTTPSystem.localPort(fd) ?? port)
    }
}
