// libFuzzer entry for the HTTP/1.1 request parser. Compiled by run-libfuzzer.sh together
// with Sources/QueueFunctionsHTTP, outside SwiftPM. The first byte picks how the input is
// split into reads, so splits are explored too.
@_cdecl("LLVMFuzzerTestOneInput")
public func httpParserFuzzTestOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let piece = Int(bytes[0] % 32) + 1
    var parser = HTTPRequestParser(maxHeaderBytes: 1024, maxBodyBytes: 4096, remoteAddress: "fuzz")
    var offset = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + piece)
        parser.append(Array(bytes[offset..<end]))
        offset = end
        var steps = 0
        while let event = parser.next() {
            steps += 1
            if steps > 1_000 { fatalError("the parser keeps producing events without new bytes") }
            switch event {
            case .request(let request, _):
                if request.body.count > 4096 { fatalError("body over the limit: \(request.body.count)") }
            case .failure(let failure):
                if !(400..<600).contains(failure.status) { fatalError("failure status \(failure.status)") }
                return 0
            case .continueExpected:
                break
            }
        }
    }
    return 0
}
