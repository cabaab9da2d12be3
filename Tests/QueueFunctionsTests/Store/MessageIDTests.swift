import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost

@Suite("Message ids")
struct MessageIDTests {
    @Test("ids are UUID version 7: well-formed, unique and ordered by creation time")
    func timeOrdered() async throws {
        var previous = MessageID.generate()
        var seen: Set<MessageID> = [previous]
        for _ in 0..<2_000 {
            let next = MessageID.generate()
            #expect(next.rawValue.count == 36)
            #expect(Array(next.rawValue)[14] == "7")
            #expect("89ab".contains(Array(next.rawValue)[19]))
            #expect(String(next.rawValue.prefix(13)) >= String(previous.rawValue.prefix(13)))
            seen.insert(next)
            previous = next
        }
        #expect(seen.count == 2_001)
        try await Task.sleep(for: .milliseconds(3))
        #expect(MessageID.generate() > previous)
    }

    @Test("an id read back from its text is the same id: equal, same hash, same order, same JSON")
    func textRoundTrip() throws {
        let generated = (0..<50).map { _ in MessageID.generate() }
        let others = ["order-42", "0190F3A2-7B1C-7D2E-8F3A-1B2C3D4E5F60", "0190f3a2-7b1c-7d2e-8f3a-1b2c3d4e5f6", "", "zzz"].map(MessageID.init)
        for id in generated {
            let parsed = MessageID(id.rawValue)
            #expect(parsed == id)
            #expect(parsed.hashValue == id.hashValue)
            #expect(Set([id, parsed]).count == 1)
            let decoded = try JSONDecoder().decode([MessageID].self, from: JSONEncoder().encode([id]))
            #expect(decoded == [id])
            #expect(String(decoding: try JSONEncoder().encode([id]), as: UTF8.self) == "[\"\(id.rawValue)\"]")
        }
        // An upper-case UUID is another id than its lower-case spelling, as before.
        let upper = MessageID("0190F3A2-7B1C-7D2E-8F3A-1B2C3D4E5F60")
        #expect(upper != MessageID("0190f3a2-7b1c-7d2e-8f3a-1b2c3d4e5f60"))
        #expect(upper.rawValue == "0190F3A2-7B1C-7D2E-8F3A-1B2C3D4E5F60")
        // Order is the order of the texts, whichever way each id is held.
        let all = generated + others
        #expect(all.sorted().map(\.rawValue) == all.map(\.rawValue).sorted())
    }

    @Test("a UUID id's text is written back digit for digit, as a String and as the bytes the stores bind")
    func everyHexDigit() {
        let texts = [
            "01234567-89ab-cdef-0123-456789abcdef", "fedcba98-7654-3210-fedc-ba9876543210",
            "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "9a0b1c2d-3e4f-5a6b-7c8d-9e0fa1b2c3d4",
        ]
        for text in texts {
            let id = MessageID(text)
            #expect(id.rawValue == text)
            var bytes: [UInt8] = []
            id.withUTF8Text { bytes = Array($0) }
            #expect(bytes == Array(text.utf8))
        }
        for id in (0..<200).map({ _ in MessageID.generate() }) + [MessageID("order-42"), MessageID("")] {
            var bytes: [UInt8] = []
            id.withUTF8Text { bytes = Array($0) }
            #expect(String(decoding: bytes, as: UTF8.self) == id.rawValue)
        }
    }
}
