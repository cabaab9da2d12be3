import Foundation
import Testing
import QueueFunctions
import QueueFunctionsHost
import SampleFunctions

/// `publish TOPIC BODY --attribute NAME=VALUE` and `send … --attribute`, in process, on a
/// SQLite file in a temporary directory, with the sample manifest.
@Suite("Command line: publish and attributes")
struct PublishCommandTests {
    typealias Workspace = CommandTests.Workspace

    static let order = #"{"order_id": "o-9", "items": {"mug": 1}, "amount": 8, "email": "ada@example.com"}"#

    @Test("publish puts one copy into each matching subscribed queue and prints them; unmatched attributes deliver nowhere")
    func publishFansOut() async throws {
        let workspace = try Workspace()
        defer { workspace.cleanUp() }
        let all = await workspace.run(["publish", "order-events", Self.order, "--attribute", "type=order-placed", "--attribute", "contact=email"])
        #expect(all.code == CommandExitCode.success, "\(all.err)")
        let lines = all.out.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(lines == ["stock-reservations", "payment-authorizations", "order-notifications"])

        let json = await workspace.run(["publish", "order-events", Self.order, "--attribute", "type=order-placed", "--json"])
        let report = try workspace.json(json.out)
        #expect((report["deliveries"] as? [[String: Any]])?.compactMap { $0["queue"] as? String } == ["stock-reservations", "payment-authorizations"])

        let none = await workspace.run(["publish", "order-events", Self.order, "--attribute", "type=order-cancelled"])
        #expect(none.code == CommandExitCode.success)
        #expect(none.out.contains("nothing was delivered"))

        let status = await workspace.run(["status", "--json"])
        let queues = try #require(try workspace.json(status.out)["queues"] as? [[String: Any]])
        func visible(_ name: String) -> Int? { queues.first { $0["name"] as? String == name }?["visible"] as? Int }
        #expect(visible("stock-reservations") == 2)
        #expect(visible("payment-authorizations") == 2)
        #expect(visible("order-notifications") == 1)
    }

    @Test("bad attributes and unknown topics are refused with the fix, and nothing is stored")
    func refusals() async throws {
        let workspace = try Workspace()
        defer { workspace.cleanUp() }
        let noEquals = await workspace.run(["publish", "order-events", Self.order, "--attribute", "type"])
        #expect(noEquals.code == CommandExitCode.usage)
        #expect(noEquals.err.contains("has no '='") && noEquals.err.contains("name=value"))
        let badName = await workspace.run(["send", "orders", Self.order, "--attribute", "bad name=x"])
        #expect(badName.code == CommandExitCode.usage)
        #expect(badName.err.contains("attribute name 'bad name' may hold only ASCII letters"))
        let twice = await workspace.run(["send", "orders", Self.order, "--attribute", "a=1", "--attribute", "a=2"])
        #expect(twice.code == CommandExitCode.usage)
        #expect(twice.err.contains("given twice"))
        let unknown = await workspace.run(["publish", "order-event", Self.order])
        #expect(unknown.code == CommandExitCode.failure)
        #expect(unknown.err.contains("did you mean 'order-events'?"))
        let status = await workspace.run(["status", "--json"])
        let queues = try #require(try workspace.json(status.out)["queues"] as? [[String: Any]])
        #expect(queues.allSatisfy { ($0["visible"] as? Int ?? 0) == 0 }, "\(queues)")
    }

    @Test("status lists the topics with their subscriptions and filters")
    func statusListsTopics() async throws {
        let workspace = try Workspace()
        defer { workspace.cleanUp() }
        let json = await workspace.run(["status", "--json"])
        let topics = try #require(try workspace.json(json.out)["topics"] as? [[String: Any]])
        #expect(topics.compactMap { $0["name"] as? String } == ["order-events"])
        let subscriptions = try #require(topics.first?["subscriptions"] as? [[String: Any]])
        #expect(subscriptions.compactMap { $0["queue"] as? String } == ["stock-reservations", "payment-authorizations", "order-notifications"])
        let filter = try #require(subscriptions.last?["filter"] as? [String: [String]])
        #expect(filter == ["type": ["order-placed"], "contact": ["email"]])
        let human = await workspace.run(["status"])
        #expect(human.out.contains("TOPIC"))
        #expect(human.out.contains(#"{"contact": ["email"], "type": ["order-placed"]}"#))
    }
}
