#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the socket calls the server makes, hiding platform differences.
/// Every descriptor is non-blocking and close-on-exec; nothing here raises SIGPIPE.
enum HTTPSystem {
    /// The outcome of a non-blocking read or write.
    enum IOResult {
        /// This many bytes moved.
        case bytes(Int)
        /// Nothing can move now; poll and try again.
        case wouldBlock
        /// The peer closed its side (read only).
        case endOfFile
        /// The call failed with `errno`.
        case failure(Int32)
    }

    /// The text for an `errno` value.
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    static var streamSocketType: Int32 {
        #if os(Linux)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    /// Makes `fd` non-blocking and close-on-exec; on Darwin also turns off SIGPIPE for it.
    static func configure(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// A non-blocking pipe `(read, write)`, used to wake the event loop.
    static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        configure(fds[0])
        configure(fds[1])
        return (fds[0], fds[1])
    }

    /// Whether `accept` failed with `code` for want of file descriptors (`EMFILE`, `ENFILE`).
    static func isOutOfDescriptors(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE
    }

    /// Whether bytes wait to be read on `fd`, without consuming them (false at end-of-file).
    static func hasPendingInput(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        #if os(Linux)
        let flags = Int32(MSG_PEEK | MSG_DONTWAIT)
        #else
        let flags = MSG_PEEK | MSG_DONTWAIT
        #endif
        return recv(fd, &byte, 1, flags) > 0
    }

    /// A descriptor kept in reserve (`/dev/null`, close-on-exec), or `-1` when none can be opened.
    static func openSpareDescriptor() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// Closes `fd`, ignoring errors (nothing useful can be done about them).
    static func close(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #elseif canImport(Musl)
        _ = Musl.close(fd)
        #elseif canImport(Darwin)
        _ = Darwin.close(fd)
        #endif
    }

    /// Reads up to `buffer.count` bytes.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            #if canImport(Glibc)
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #elseif canImport(Musl)
            let count = Musl.read(fd, buffer.baseAddress, buffer.count)
            #else
            let count = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfFile }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failure(code)
        }
    }

    /// Sends bytes on a socket without raising SIGPIPE if the peer is gone.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        while true {
            let count = sendCall(fd, bytes.baseAddress, bytes.count, flags)
            if count >= 0 { return .bytes(count) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failure(code)
        }
    }

    private static func sendCall(_ fd: Int32, _ base: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
        #if canImport(Glibc)
        Glibc.send(fd, base, count, flags)
        #elseif canImport(Musl)
        Musl.send(fd, base, count, flags)
        #else
        Darwin.send(fd, base, count, flags)
        #endif
    }

    /// Writes one byte to a pipe, ignoring a full pipe (a wake-up is already pending).
    static func poke(_ fd: Int32) {
        var byte: UInt8 = 1
        #if canImport(Glibc)
        _ = Glibc.write(fd, &byte, 1)
        #elseif canImport(Musl)
        _ = Musl.write(fd, &byte, 1)
        #else
        _ = Darwin.write(fd, &byte, 1)
        #endif
    }

    /// Reads and drops everything waiting in a pipe.
    static func drain(_ fd: Int32) {
        var scratch = [UInt8](repeating: 0, count: 64)
        while true {
            let result = scratch.withUnsafeMutableBytes { read(fd, into: $0) }
            guard case .bytes = result else { return }
        }
    }

    /// The outcome of `accept`.
    enum AcceptResult {
        /// A new non-blocking connection and the peer's printable address.
        case connection(Int32, String)
        /// No connection is waiting.
        case wouldBlock
        /// `accept` failed with `errno`.
        case failure(Int32)
    }

    /// Accepts one waiting connection.
    static func accept(_ listener: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { acceptCall(listener, $0, &length) }
            }
            if fd >= 0 {
                configure(fd)
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return .connection(fd, describe(&storage))
            }
            let code = errno
            if code == EINTR || code == ECONNABORTED { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failure(code)
        }
    }

    private static func acceptCall(_ listener: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>) -> Int32 {
        #if canImport(Glibc)
        Glibc.accept(listener, address, length)
        #elseif canImport(Musl)
        Musl.accept(listener, address, length)
        #else
        Darwin.accept(listener, address, length)
        #endif
    }

    /// Closes the sending side of a socket so the peer reads end-of-file after our data.
    static func shutdownWrite(_ fd: Int32) {
        #if os(Linux)
        _ = shutdown(fd, Int32(SHUT_WR))
        #else
        _ = shutdown(fd, SHUT_WR)
        #endif
    }

    /// `127.0.0.1:51234` or `[::1]:51234` for a socket address.
    static func describe(_ storage: inout sockaddr_storage) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                    return "\(cString(text)):\(UInt16(bigEndian: address.pointee.sin_port))"
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    return "[\(cString(text))]:\(UInt16(bigEndian: address.pointee.sin6_port))"
                }
            }
        default:
            return "unknown"
        }
    }

    private static func cString(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The port a bound socket listens on.
    static func localPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
}
