import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsGateway
import QueueFunctionsTesting

/// Producer routes that publish to a topic, and `X-Attribute-<name>` headers on every route.
@Suite("Gateway topic routes and attribute headers")
struct GatewayTopicRouteTests {
    /// The gateway manifest plus topic `events`: `jobs` takes messages of type "job", `outbox` takes all.
    static func manifest() -> Manifest {
        var manifest = gatewayManifest()
        manifest.topics = [TopicConfig(name: "events", subscriptions: [
            TopicSubscription(queue: "jobs", filter: AttributeFilter(["type": [.equals("job")]])),
            TopicSubscription(queue: "outbox"),
        ])]
        manifest.producers.append(ProducerConfig(method: "POST", path: "/events", topic: "events"))
        return manifest
    }

    @Test("a post to a topic route answers 202 with one delivery per matching queue; the filter reads the attribute headers")
    func publishThroughTheRoute() async throws {
        try await withGateway(manifest: Self.manifest()) { fixture in
            let both = try await httpRequest(port: fixture.port, "POST", "/events", headers: ["X-Attribute-Type": "job"], body: #"{"number": 5}"#)
            #expect(both.status == 202, "\(both.bodyText)")
            #expect(both.json["topic"] as? String == "events")
            let deliveries = try #require(both.json["deliveries"] as? [[String: Any]])
            #expect(deliveries.compactMap { $0["queue"] as? String } == ["jobs", "outbox"])
            #expect(try await eventually { fixture.recorder.numbers == [5] })

            let one = try await httpRequest(port: fixture.port, "POST", "/events", body: #"{"number": 6}"#)
            #expect(one.status == 202)
            #expect((one.json["deliveries"] as? [[String: Any]])?.compactMap { $0["queue"] as? String } == ["outbox"])
            let kept = try await fixture.testHost.store.peek("outbox", limit: 10)
            #expect(kept.map(\.attributes) == [["type": "job"], [:]], "copies carry the header attributes, names lower-cased")
            #expect(fixture.recorder.numbers == [5])
        }
    }

    @Test("a body a subscribed function cannot decode, or a bad attribute header, gets 400 and no queue gets a copy")
    func refusedPostsPublishNothing() async throws {
        try await withGateway(manifest: Self.manifest()) { fixture in
            let wrongType = try await httpRequest(port: fixture.port, "POST", "/events", headers: ["X-Attribute-Type": "job"], body: #"{"count": 1}"#)
            #expect(wrongType.status == 400)
            #expect(wrongType.errorText.contains("record-jobs"))
            let badName = try await httpRequest(port: fixture.port, "POST", "/events", headers: ["X-Attribute-a!b": "x"], body: #"{"number": 1}"#)
            #expect(badName.status == 400)
            #expect(badName.errorText.contains("attribute name"))
            #expect(badName.errorText.contains("X-Attribute-"))
            let tooMany = Dictionary(uniqueKeysWithValues: (0...10).map { ("X-Attribute-k\($0)", "v") })
            let overLimit = try await httpRequest(port: fixture.port, "POST", "/events", headers: tooMany, body: #"{"number": 1}"#)
            #expect(overLimit.status == 400)
            #expect(overLimit.errorText.contains("at most 10 attributes"))
            #expect(try await fixture.testHost.stats("jobs").total == 0)
            #expect(try await fixture.testHost.stats("outbox").total == 0)
        }
    }

    @Test("a queue route keeps the attribute headers on its message")
    func queueRouteAttributes() async throws {
        try await withGateway(manifest: Self.manifest()) { fixture in
            let response = try await httpRequest(port: fixture.port, "PUT", "/outbox",
                                                 headers: ["X-Attribute-Source": "checkout", "X-Attribute-Trace.Id": "t-1"], body: #"{"event_id": "e1"}"#)
            #expect(response.status == 202)
            let kept = try await fixture.testHost.store.peek("outbox", limit: 1)
            #expect(kept.first?.attributes == ["source": "checkout", "trace.id": "t-1"])
        }
    }

    @Test("GET /api/topics lists each topic with its subscriptions, filters and consuming functions; the dashboard shows them")
    func adminListsTopics() async throws {
        try await withGateway(manifest: Self.manifest()) { fixture in
            let response = try await httpRequest(port: fixture.port, "GET", "/api/topics")
            #expect(response.status == 200)
            let topics = try #require(response.json["topics"] as? [[String: Any]])
            #expect(topics.compactMap { $0["name"] as? String } == ["events"])
            let subscriptions = try #require(topics.first?["subscriptions"] as? [[String: Any]])
            #expect(subscriptions.compactMap { $0["queue"] as? String } == ["jobs", "outbox"])
            #expect(subscriptions.first?["filter"] as? String == #"{"type": ["job"]}"#)
            #expect(subscriptions.first?["functions"] as? [String] == ["record-jobs"])
            #expect(subscriptions.last?["filter"] as? String == "{}")
            let index = try await httpRequest(port: fixture.port, "GET", "/api")
            #expect((index.json["endpoints"] as? [String])?.contains("GET /api/topics") == true)
            let page = try await httpRequest(port: fixture.port, "GET", "/")
            #expect(page.bodyText.contains("renderTopics") && page.bodyText.contains("/api/topics"))
        }
    }
}
