import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Manifest JSON parser")
struct ManifestJSONParserTests {
    @Test func valuesKeepTheirPositionsAndKeyOrder() throws {
        let value = try JSONParser.parse("{\n  \"b\": [1, -2.5e1, true],\r\n  \"a\": {\"é\": \"x\\u00e9\\n\\ud83d\\ude00\", \"n\": null}\n}")
        guard case .object(let members) = value.kind else {
            Issue.record("expected an object")
            return
        }
        #expect(members.map(\.key) == ["b", "a"])
        #expect(members[0].keyLocation == SourceLocation(line: 2, column: 3))
        #expect(members[0].value.location == SourceLocation(line: 2, column: 8))
        #expect(members[1].keyLocation == SourceLocation(line: 3, column: 3))
        guard case .array(let numbers) = members[0].value.kind, case .object(let inner) = members[1].value.kind else {
            Issue.record("unexpected shape")
            return
        }
        #expect(numbers.map(\.kind) == [.number(1, text: "1"), .number(-25, text: "-2.5e1"), .bool(true)])
        #expect(inner[0].value.kind == .string("xé\n😀"))
        #expect(inner[1].value.location == SourceLocation(line: 3, column: 44))
    }

    @Test func duplicateKeysAreKeptForTheDecoder() throws {
        let value = try JSONParser.parse(#"{"a": 1, "a": 2}"#)
        guard case .object(let members) = value.kind else {
            Issue.record("expected an object")
            return
        }
        #expect(members.count == 2)
        let error = try #require(manifestError(#"{"queues": [], "functions": [], "queues": []}"#))
        #expect(error.errors.map(\.kind) == [.duplicateKey])
        #expect(error.errors.first?.column == 33)
    }

    @Test(arguments: [
        ("{\n  \"queues\": [\n    {\"name\": \"a\",}\n  ]\n}", 3, 18, "trailing comma"),
        ("{\n  \"queues\": []\n  \"functions\": []\n}", 3, 3, "expected ',' or '}'"),
        ("{\n  // note\n  \"queues\": []\n}", 2, 3, "comments"),
        ("{\"queues\": [\"abc]}", 1, 13, "never closed"),
        ("{\"queues\": [1 2]}", 1, 15, "expected ',' or ']'"),
        ("{\"queues\": 'a'}", 1, 12, "double quotes"),
        ("{\"queues\": True}", 1, 12, "unexpected 'True'"),
        ("{\"queues\": 01}", 1, 12, "invalid number '01'"),
        ("{\"queues\": 5s}", 1, 12, "invalid number '5s'"),
        ("{queues: []}", 1, 2, "expected a key"),
        ("{\"a\": \"\\x\"}", 1, 8, "invalid escape"),
        ("{\"queues\": [", 1, 13, "the file ends"),
        ("{} {}", 1, 4, "after the end"),
        ("", 1, 1, "empty"),
        ("\u{FEFF}\n\n   ", 3, 4, "empty"),
    ])
    func syntaxErrorsHaveLineAndColumn(text: String, line: Int, column: Int, phrase: String) throws {
        let error = try #require(manifestError(text))
        let diagnostic = try #require(error.diagnostics.first)
        #expect(error.diagnostics.count == 1)
        #expect(diagnostic.kind == .syntax)
        #expect(diagnostic.line == line && diagnostic.column == column, "\(diagnostic)")
        #expect(diagnostic.message.contains(phrase), "\(diagnostic.message)")
        #expect(error.description.hasPrefix("functions.json:\(line):\(column): error: "))
    }

    @Test func syntaxErrorsNameTheJSONPath() throws {
        let error = try #require(manifestError(#"{"functions": [{"name": "a"}, {"trigger": {"queue": x}}]}"#))
        #expect(error.diagnostics.first?.path == "$.functions[1].trigger.queue")
    }

    @Test func deepNestingIsRefusedWithoutCrashing() throws {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test(arguments: ["0", "-0", "1.5", "1e10", "1E-2", "-12.5e+3"])
    func validNumbers(text: String) { #expect(JSONParser.isValidNumber(text)) }

    @Test(arguments: ["01", "+1", ".5", "1.", "1e", "-", "--1", "1.e3", "0x10"])
    func invalidNumbers(text: String) { #expect(!JSONParser.isValidNumber(text)) }
}
