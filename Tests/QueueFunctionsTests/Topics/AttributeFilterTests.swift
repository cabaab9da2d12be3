import Foundation
import Testing
@testable import QueueFunctions

/// The filter of a topic subscription: exact values, any-of, prefix, exists, not-exists;
/// every key must match.
@Suite("Topic attribute filters")
struct AttributeFilterTests {
    static let orders = AttributeFilter([
        "type": [.equals("order-placed"), .equals("order-updated")],
        "region": [.prefix("eu-")],
        "vip": [.exists],
        "tier": [.notExists],
    ])

    @Test func aMessageMatchesWhenEveryKeyMatches() {
        #expect(Self.orders.matches(["type": "order-placed", "region": "eu-west", "vip": "no"]))
        #expect(Self.orders.matches(["type": "order-updated", "region": "eu-", "vip": "", "other": "x"]))
    }

    @Test func oneFailingKeyIsEnoughToRefuse() {
        #expect(!Self.orders.matches(["type": "order-cancelled", "region": "eu-west", "vip": "yes"]), "type is none of the values")
        #expect(!Self.orders.matches(["type": "order-placed", "region": "us-east", "vip": "yes"]), "region lacks the prefix")
        #expect(!Self.orders.matches(["type": "order-placed", "region": "eu-west"]), "vip is absent")
        #expect(!Self.orders.matches(["type": "order-placed", "region": "eu-west", "vip": "yes", "tier": "gold"]), "tier is present")
        #expect(!Self.orders.matches([:]))
    }

    @Test func exactValuesAreCaseSensitiveAndWhole() {
        let filter = AttributeFilter(["type": [.equals("order")]])
        #expect(filter.matches(["type": "order"]))
        #expect(!filter.matches(["type": "Order"]))
        #expect(!filter.matches(["type": "orders"]))
        #expect(!filter.matches(["kind": "order"]), "an exact value needs the attribute present")
    }

    @Test func anyOfMixesKinds() {
        let filter = AttributeFilter(["region": [.prefix("eu-"), .equals("uk"), .notExists]])
        #expect(filter.matches(["region": "eu-north"]))
        #expect(filter.matches(["region": "uk"]))
        #expect(filter.matches([:]))
        #expect(!filter.matches(["region": "us-east"]))
    }

    @Test func anEmptyFilterMatchesEverything() {
        #expect(AttributeFilter.everything.matches([:]))
        #expect(AttributeFilter.everything.matches(["anything": "at all"]))
    }

    @Test func itPrintsAsTheManifestWritesIt() {
        #expect(Self.orders.description
            == #"{"region": [{"prefix": "eu-"}], "tier": [{"exists": false}], "type": ["order-placed", "order-updated"], "vip": [{"exists": true}]}"#)
    }

    @Test func aTopicCopiesIntoEachMatchingQueueOnceInSubscriptionOrder() {
        let topic = TopicConfig(name: "order-events", subscriptions: [
            TopicSubscription(queue: "stock"),
            TopicSubscription(queue: "eu-payments", filter: AttributeFilter(["region": [.prefix("eu-")]])),
            TopicSubscription(queue: "vip-notes", filter: AttributeFilter(["vip": [.exists]])),
        ])
        #expect(topic.queues(matching: ["region": "eu-west"]) == ["stock", "eu-payments"])
        #expect(topic.queues(matching: ["vip": "1"]) == ["stock", "vip-notes"])
        let copies = TopicFanOut.copies(of: OutgoingMessage(body: Data(), attributes: ["region": "eu-1", "vip": "y"]), to: topic)
        #expect(copies.map(\.queue) == ["stock", "eu-payments", "vip-notes"])
        #expect(Set(copies.map(\.message.id)).count == 3, "each copy has an id of its own")
        #expect(copies.allSatisfy { $0.message.attributes == ["region": "eu-1", "vip": "y"] }, "copies keep the attributes")
    }
}
