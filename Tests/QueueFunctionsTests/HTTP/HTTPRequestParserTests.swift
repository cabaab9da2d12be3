import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    private func parser() -> HTTPRequestParser {
        HTTPRequestParser(maxHeaderBytes: 1024, maxBodyBytes: 100, remoteAddress: "test")
    }

    /// Feeds `text` one byte at a time and collects every event.
    private func events(_ text: String, byteByByte: Bool = true) -> [String] {
        var parser = parser()
        var out: [String] = []
        let chunks = byteByByte ? Array(text.utf8).map { [$0] } : [Array(text.utf8)]
        for chunk in chunks {
            parser.append(chunk)
            while let event = parser.next() {
                switch event {
                case .continueExpected: out.append("continue")
                case let .request(request, keepAlive): out.append("\(request.method) \(request.path) \(request.bodyText) \(keepAlive)")
                case let .failure(failure): out.append("\(failure.status)")
                }
            }
        }
        return out
    }

    @Test func parsesPipelinedRequestsFedOneByteAtATime() {
        let text = "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz"
        #expect(events(text) == ["GET /a  true", "POST /b xyz false"])
    }

    @Test func decodesChunkedBodiesSplitAnywhere() {
        let text = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        #expect(events(text) == ["POST /c abcde true"])
        #expect(events(text, byteByByte: false) == ["POST /c abcde true"])
    }

    @Test func asksForContinueOnlyWhenTheBodyHasNotArrived() {
        let head = "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
        #expect(events(head + "ok", byteByByte: false) == ["PUT /e ok true"])
        #expect(events(head + "ok") == ["continue", "PUT /e ok true"])
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", "400"),
        ("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", "417"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", "413"),
        ("GET / HTTP/1.0\r\n\r\n", "GET /  false"),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /  true"),
        ("GET http://example.com/x?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET /x  true"),
    ])
    func judgesHeads(_ text: String, _ expected: String) {
        #expect(events(text, byteByByte: false) == [expected])
    }

    @Test func reportsIdleHeadAndBodyPhases() {
        var parser = parser()
        #expect(parser.phase == .idle)
        parser.append(Array("POST / HTTP/1.1\r\nHo".utf8))
        _ = parser.next()
        #expect(parser.phase == .head)
        parser.append(Array("st: x\r\nContent-Length: 4\r\n\r\nab".utf8))
        _ = parser.next()
        #expect(parser.phase == .body)
        parser.append(Array("cd".utf8))
        _ = parser.next()
        #expect(parser.phase == .idle)
    }
}
