import Testing
@testable import QueueFunctions

/// Seeded fuzzing of the attribute parser: random `--attribute` words and `X-Attribute-`
/// headers either parse into attributes within the limits, or are refused with a message
/// and a fix; never a trap.
@Suite("Fuzz: message attributes")
struct AttributeInputFuzzTests {
    static let pieces = ["type", "region", "a", "=", "==", "", " ", "é", "\u{0}", "\n", "x.y", "-", "_", "!", "order-placed",
                         String(repeating: "n", count: 130), String(repeating: "v", count: 1_030), "🙂", "\t", "1", "%20"]

    static func text(_ random: inout SplitMix64) -> String {
        (0..<random.below(4)).map { _ in random.pick(pieces) }.joined()
    }

    @Test("random attribute words and headers parse within the limits or are refused with a fix")
    func attributes() {
        var random = SplitMix64(seed: Fuzz.seed &+ 40)
        var parsed = 0, refused = 0
        for _ in 0..<5_000 {
            let count = random.below(13)
            let result: Result<[String: String], MessageAttributeInput.Problem>
            if random.chance(50) {
                let words = (0..<count).map { _ in Self.text(&random) }
                result = Result { () throws(MessageAttributeInput.Problem) in try MessageAttributeInput.parse(pairs: words) }
            } else {
                let headers = (0..<count).map { _ in
                    (name: (random.chance(80) ? "X-Attribute-" : "X-Other-") + Self.text(&random), value: Self.text(&random))
                }
                result = Result { () throws(MessageAttributeInput.Problem) in try MessageAttributeInput.parse(headers: headers) }
            }
            switch result {
            case .success(let attributes):
                parsed += 1
                #expect(attributes.count <= MessageAttributeInput.maximumCount)
                for name in attributes.keys {
                    #expect(MessageAttributeInput.problem(withName: name) == nil, "accepted a bad name \(name.debugDescription)")
                }
                #expect(throws: Never.self) { try MessageAttributes.validate(attributes) }
            case .failure(let problem):
                refused += 1
                #expect(!problem.message.isEmpty && !problem.fix.isEmpty)
            }
        }
        #expect(parsed > 100 && refused > 100, "the inputs cover both outcomes: \(parsed) parsed, \(refused) refused")
    }
}
