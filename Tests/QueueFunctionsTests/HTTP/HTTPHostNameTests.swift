import Testing
@testable import QueueFunctionsHTTP

/// Parsing `Host` and `Origin` values, and which names an ``HTTPHostAllowList`` lets through.
@Suite("Host names, origins and the allow list")
struct HTTPHostNameTests {
    @Test("Host values parse to a bare, lowercased name", arguments: [
        ("localhost", "localhost"), ("LocalHost:7071", "localhost"), ("[::1]:7071", "::1"), ("[::1]", "::1"),
        ("127.0.0.1:80", "127.0.0.1"), ("Queues.Test.", "queues.test"), (" app.localhost:1 ", "app.localhost"),
    ])
    func parsesHostValues(_ value: String, _ name: String) {
        #expect(HTTPHostName.parse(hostHeader: value) == name)
    }

    @Test("malformed Host values are refused", arguments: [
        "", ":7071", "localhost:", "localhost:99999", "localhost:7a", "[::1", "[evil.example]:80", "a b", "a/b", "a..b",
        "user@localhost", "localhost:7071:1",
    ])
    func refusesMalformedHostValues(_ value: String) {
        #expect(HTTPHostName.parse(hostHeader: value) == nil)
    }

    @Test("loopback names", arguments: [
        ("localhost", true), ("app.localhost", true), ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true),
        ("::ffff:127.0.0.1", true), ("localhost.evil.example", false), ("evil-localhost", false), ("128.0.0.1", false),
        ("0.0.0.0", false), ("1.2.3.4.5", false),
    ])
    func loopback(_ name: String, _ expected: Bool) {
        #expect(HTTPHostName.isLoopback(name) == expected)
    }

    @Test("origins parse to scheme, host and port, and print as browsers send them", arguments: [
        ("http://localhost:5173", "http://localhost:5173"), ("HTTP://LOCALHOST:5173/", "http://localhost:5173"),
        ("https://app.test:443", "https://app.test"), ("http://[::1]:8080", "http://[::1]:8080"), ("http://x.test:80", "http://x.test"),
    ])
    func parsesOrigins(_ text: String, _ printed: String) {
        #expect(HTTPOrigin(text)?.description == printed)
    }

    @Test("values that are not origins", arguments: [
        "null", "*", "localhost:5173", "file:///tmp/x.html", "http://", "http://a.test/path", "http://u@a.test",
        "http://a.test:0x50", "http://a.test:70000", "http://a.test?x",
    ])
    func refusesNonOrigins(_ text: String) {
        #expect(HTTPOrigin(text) == nil)
    }

    @Test("the allow list: loopback always, the bind address, listed names and suffixes, IP literals on a wildcard bind")
    func allowList() throws {
        let loopback = try HTTPHostAllowList(bindAddress: "127.0.0.1", names: ["queues.test", ".lan"])
        for host in ["localhost:7071", "[::1]:1", "queues.test", "a.lan", "b.c.lan:80"] {
            #expect(loopback.permits(hostHeader: host), "\(host)")
        }
        for host in ["evil.example", "lan", "queues.test.evil.example", "192.168.1.5", "xlan"] {
            #expect(!loopback.permits(hostHeader: host), "\(host)")
        }
        let lan = try HTTPHostAllowList(bindAddress: "192.168.1.5")
        #expect(lan.permits(hostHeader: "192.168.1.5:7071"))
        #expect(!lan.permits(hostHeader: "10.0.0.1"))
        let everywhere = try HTTPHostAllowList(bindAddress: "0.0.0.0")
        #expect(everywhere.permits(hostHeader: "10.0.0.1:7071"))
        #expect(everywhere.permits(hostHeader: "[fe80::1]:7071"))
        #expect(!everywhere.permits(hostHeader: "evil.example"), "a wildcard bind must still refuse DNS names")
        #expect(throws: HTTPHostAllowList.InvalidName(name: "http://x")) { try HTTPHostAllowList(bindAddress: "127.0.0.1", names: ["http://x"]) }
    }
}
