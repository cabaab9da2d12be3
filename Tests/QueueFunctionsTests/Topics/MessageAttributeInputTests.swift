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
        #expect(problem(["=x"])?.message.contains("cannot be empty") == true)
        #expect(problem(["a b=x"])?.message.contains("whitespace") == true)
        #expect(problem(["a=1", "a=2"])?.message.contains("given twice") == true)
        #expect(problem((0...10).map { "k\($0)=v" })?.message.contains("too many") == true)
        #expect(problem(["big=" + String(repeating: "x", count: MessageAttributeInput.maximumValueBytes + 1)])?.message.contains("1025 bytes") == true)
        #expect(problem([String(repeating: "n", count: 129) + "=v"])?.message.contains("more than 128") == true)
        let duplicateHeader = [(name: "X-Attribute-A", value: "1"), (name: "x-attribute-a", value: "2")]
        #expect(throws: MessageAttributeInput.Problem.self) { try MessageAttributeInput.parse(headers: duplicateHeader) }
    }
}
