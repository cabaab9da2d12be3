import Testing
@testable import QueueFunctionsHTTP

/// Seeded fuzzing of the HTTP/1.1 request parser: generated requests with nasty
/// Content-Length values, chunk sizes, targets and headers, then byte-level mutations,
/// fed in random pieces.
@Suite("Fuzz: HTTP request parser")
struct HTTPRequestParserFuzzTests {
    static let maxBody = 4 * 1024

    /// A request built from nasty parts.
    static func request(_ random: inout SplitMix64) -> [UInt8] {
        let method = random.chance(80) ? random.pick(["GET", "POST", "PUT"]) : random.pick(["DELETE", "HEAD", "OPTIONS", "BREW", "get", ""])
        let target = random.pick(["/", "/api/queues/orders/messages?limit=", "/jobs?delay=", "/%zz", "*", "http://x/y?q=", "/a b",
                                  "/api/dlq/orders/redrive?limit=", "//", "/\u{0}"]) + (random.chance(50) ? "1" : random.pick(Fuzz.nastyNumbers))
        let version = random.chance(85) ? "HTTP/1.1" : random.pick(["HTTP/1.0", "HTTP/2", "HTTP/1.1 ", "http/1.1"])
        var head = "\(method) \(target) \(version)\r\nHost: \(random.pick(["127.0.0.1", "localhost:7071", "", "a b"]))\r\n"
        var body = ""
        switch random.below(4) {
        case 0:
            body = String(repeating: "x", count: random.below(64))
            head += "Content-Length: \(random.chance(50) ? "\(body.utf8.count)" : random.pick(Fuzz.nastyNumbers))\r\n"
        case 1:
            head += "Transfer-Encoding: \(random.pick(["chunked", "gzip, chunked", "chunked, chunked", "identity"]))\r\n"
            for _ in 0..<random.below(3) {
                let size = random.chance(50) ? String(random.below(16), radix: 16) : random.pick(Fuzz.nastyNumbers + ["fffffffffffffff", "ffffffffffffffff0"])
                body += "\(size)\r\n" + String(repeating: "y", count: random.below(16)) + "\r\n"
            }
            body += random.chance(80) ? "0\r\n\r\n" : ""
        case 2:
            head += "Content-Length: 3\r\nContent-Length: \(random.pick(Fuzz.nastyNumbers))\r\n"
            body = "abc"
        default:
            head += "Expect: \(random.pick(["100-continue", "magic"]))\r\nConnection: \(random.pick(["close", "keep-alive", "x"]))\r\n"
        }
        for _ in 0..<(random.chance(70) ? 0 : random.below(3)) {
            head += random.pick(["X-Retry-After: ", "Retry-After: ", "X-Long: ", " folded: ", "Bad Name: "]) + random.pick(Fuzz.nastyNumbers) + "\r\n"
        }
        var bytes = Array((head + "\r\n" + body).utf8)
        if random.chance(25) { bytes = Fuzz.mutateBytes(bytes, &random) }
        return bytes
    }

    @Test("every input yields requests, a 4xx/5xx failure, or a wait for more bytes, in bounded steps")
    func parse() async {
        var random = SplitMix64(seed: Fuzz.seed &+ 30)
        var requests = 0, failures = 0, waiting = 0
        let count = 40_000
        for index in 0..<count {
            if index % 200 == 0 { await Task.yield() }
            let bytes = Self.request(&random)
            var parser = HTTPRequestParser(maxHeaderBytes: 1024, maxBodyBytes: Self.maxBody, remoteAddress: "fuzz")
            var offset = 0
            var events = 0
            var failed = false
            while offset < bytes.count, !failed {
                let end = min(bytes.count, offset + 1 + random.below(64))
                parser.append(Array(bytes[offset..<end]))
                offset = end
                var steps = 0
                while let event = parser.next() {
                    steps += 1
                    events += 1
                    switch event {
                    case .request(let request, _):
                        #expect(request.body.count <= Self.maxBody)
                        requests += 1
                    case .failure(let failure):
                        #expect((400..<600).contains(failure.status), "status \(failure.status)")
                        #expect(!failure.message.isEmpty)
                        failures += 1
                        failed = true
                    case .continueExpected:
                        break
                    }
                    guard steps < 100, !failed else { break }
                }
                #expect(steps < 100, "the parser keeps producing events without new bytes")
            }
            if events == 0 { waiting += 1 }
        }
        print("fuzz HTTP parser: \(count) inputs, \(requests) requests, \(failures) failures, \(waiting) waiting for more bytes")
        #expect(requests > 1_000 && failures > 1_000)
    }
}
