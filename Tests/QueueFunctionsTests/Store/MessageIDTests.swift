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
}
