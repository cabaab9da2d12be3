import Testing
@testable import QueueFunctions

/// The one parser for attributes from outside: `--attribute` words and `X-Attribute-` headers.
@Suite("Message attribute input")
struct MessageAttributeInputTests {
    @Test func pairsSplitAtTheFirstEquals() throws {
        #expect(try MessageAttributeInput.parse(pairs: ["source=cli", "note=a=b", "empty="]) == ["source": "cli", "note": "a=b", "empty": ""])
        #expect(try MessageAttributeInput.parse(pairs: []) == [:])
    }

    @Test func headersGiveLowerCasedNamesAndIgnoreOtherHeaders() throws {
        let headers = [("Content-Type", "application/json"), ("X-Attribute-Type", "order-placed"), ("x-attribute-REGION", "eu-west")]
        #expect(try MessageAttributeInput.parse(headers: headers.map { (name: $0.0, value: $0.1) }) == ["type": "order-placed", "region": "eu-west"])
    }

    @Test func eachRefusalSaysWhatAndHow() {
        func problem(_ pairs: [String]) -> MessageAttributeInput.Problem? {
            do {
                _ = try MessageAttributeInput.parse(pairs: pairs)
                return nil
            } catch {
                return error
            }
        }
        #expect(problem(["type"])?.fix.contains("name=value") == true)
        #expect(problem(["=x"])?.message.contains("name is empty") == true)
        #expect(problem(["a b=x"])?.message.contains("only ASCII letters") == true)
        #expect(problem(["AWS.trace=x"])?.message.contains("reserved prefix") == true)
        #expect(problem(["a=1", "a=2"])?.message.contains("given twice") == true)
        #expect(problem((0...10).map { "k\($0)=v" })?.message.contains("at most 10 attributes") == true)
        #expect(problem(["big=" + String(repeating: "x", count: MessageAttributes.maximumTotalBytes)])?.message.contains("move large values into the body") == true)
        #expect(problem([String(repeating: "n", count: 257) + "=v"])?.message.contains("at most 256") == true)
        let duplicateHeader = [(name: "X-Attribute-A", value: "1"), (name: "x-attribute-a", value: "2")]
        #expect(throws: MessageAttributeInput.Problem.self) { try MessageAttributeInput.parse(headers: duplicateHeader) }
    }
}
