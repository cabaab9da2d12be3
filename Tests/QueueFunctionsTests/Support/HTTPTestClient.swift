import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the test client gave up.
enum HTTPTestClientError: Error, CustomStringConvertible {
    case connectFailed(Int32)
    case sendFailed(Int32)
    case closedEarly(receivedBytes: Int)
    case timedOut
    case malformed(String)

    var description: String {
        switch self {
        case .connectFailed(let code): "connect() failed with errno \(code)"
        case .sendFailed(let code): "send() failed with errno \(code)"
        case .closedEarly(let count): "server closed the connection after \(count) bytes of a response"
        case .timedOut: "timed out waiting for the server"
        case .malformed(let text): "malformed response: \(text)"
        }
    }
}

/// A response as the test client read it.
struct HTTPTestResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}

/// A blocking HTTP client over a raw socket, so tests can send exactly the bytes they
/// mean, malformed ones included. Blocking: use it only inside ``offPool(_:)``.
final class HTTPTestClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false

    /// Connects to `127.0.0.1:port`; reads give up after `timeout` seconds.
    init(port: Int, timeout: Double = 3) throws {
        #if os(Linux)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HTTPTestClientError.connectFailed(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var time = timeval(tv_sec: Int(timeout), tv_usec: .init((timeout - Double(Int(timeout))) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            let code = errno
            systemClose(fd)
            throw HTTPTestClientError.connectFailed(code)
        }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        systemClose(fd)
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw HTTPTestClientError.sendFailed(errno) }
            offset += count
        }
    }

    /// Sends end-of-file (the client will send nothing more).
    func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads one response (a `100 Continue` counts as one); `headOnly` for a `HEAD` request.
    func readResponse(headOnly: Bool = false) throws -> HTTPTestResponse {
        let headEnd = try readUntil { Self.find([13, 10, 13, 10], in: $0) }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw HTTPTestClientError.malformed(head)
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = HTTPTestResponse(status: status, headers: headers, body: [])
        guard !headOnly, let lengthText = response.header("Content-Length"), let length = Int(lengthText) else { return response }
        _ = try readUntil { $0.count >= length ? length : nil }
        response.body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return response
    }

    /// Reads until the server closes; returns what arrived (including anything buffered).
    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// Whether the server closed the connection with nothing more to read.
    func serverClosed() throws -> Bool {
        try readToEnd().isEmpty
    }

    private func readUntil(_ done: ([UInt8]) -> Int?) throws -> Int {
        while true {
            if let result = done(buffer) { return result }
            guard try fill() else { throw HTTPTestClientError.closedEarly(receivedBytes: buffer.count) }
        }
    }

    /// Reads once; `false` at end-of-file (or a reset, which tests treat as closed).
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
        if count == 0 { return false }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK { throw HTTPTestClientError.timedOut }
        if code == ECONNRESET { return false }
        throw HTTPTestClientError.malformed("recv errno \(code)")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

private func systemClose(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

private func systemSend(_ fd: Int32, _ base: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.send(fd, base, count, Int32(MSG_NOSIGNAL))
    #else
    Darwin.send(fd, base, count, 0)
    #endif
}

/// Runs blocking test code on a thread of its own, off Swift's cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
