import Foundation
import Testing
@testable import QueueFunctions

/// `topics` in functions.json: decoded into filters, every mistake reported with its
/// path, line and fix, and warnings for topics that deliver nowhere useful.
@Suite("Manifest topics")
struct ManifestTopicTests {
    /// Two queues, each consumed, plus `topics` and `producers` spliced in.
    static func manifest(topics: String, producers: String = "[]") -> String {
        """
        {
          "queues": [{"name": "stock-jobs"}, {"name": "payment-jobs"}, {"name": "spare"}],
          "functions": [
            {"name": "stock", "handler": "Stock", "trigger": {"queue": "stock-jobs"}},
            {"name": "payment", "handler": "Payment", "trigger": {"queue": "payment-jobs"}}
          ],
          "producers": \(producers),
          "topics": \(topics)
        }
        """
    }

    @Test func topicsDecodeWithTheirFiltersAndTopicRoutes() throws {
        let loaded = try loadManifest(Self.manifest(topics: """
        [{"name": "order-events", "subscriptions": [
          {"queue": "stock-jobs"},
          {"queue": "payment-jobs", "filter": {"type": ["order-placed", "order-paid"], "region": [{"prefix": "eu-"}],
                                              "vip": [{"exists": true}], "tier": [{"exists": false}]}}
        ]}]
        """, producers: #"[{"type": "http", "route": "POST /orders", "topic": "order-events"}]"#))
        let topic = try #require(loaded.manifest.topic(named: "order-events"))
        #expect(topic.subscriptions.map(\.queue) == ["stock-jobs", "payment-jobs"])
        #expect(topic.subscriptions[0].filter.isEmpty)
        #expect(topic.subscriptions[1].filter == AttributeFilter([
            "type": [.equals("order-placed"), .equals("order-paid")], "region": [.prefix("eu-")], "vip": [.exists], "tier": [.notExists],
        ]))
        #expect(loaded.manifest.producers.first?.topic == "order-events")
        #expect(loaded.manifest.producers.first?.destination == #"topic "order-events""#)
        #expect(loaded.warnings.map(\.kind) == [.unusedQueue], "only the spare queue is unused: \(loaded.warnings)")
    }

    @Test func everyMistakeIsReportedAtOnceWithPathLineAndFix() throws {
        let text = Self.manifest(topics: """
        [
          {"name": "order-events", "subscriptions": [
            {"queue": "stok-jobs"},
            {"queue": "payment-jobs", "filter": {"type": "order-placed", "count": [5], "vip": [{"exist": true}]}},
            {"queue": "payment-jobs", "filter": {"region": [{"prefix": ""}], "tier": [], "bad name": ["x"]}}
          ]},
          {"name": "order-events", "subscriptions": [], "sink": 1},
          {"name": "bad topic!"}
        ]
        """, producers: #"[{"type": "http", "route": "POST /orders", "topic": "order-event"}, {"type": "http", "route": "POST /both", "topic": "order-events", "queue": "spare"}]"#)
        let error = try #require(manifestError(text))
        let found = error.errors.map { "\($0.path) \($0.kind) \($0.line ?? 0)" }
        let expected = [
            "$.producers[0].topic unknown-topic 7",
            "$.producers[1].queue invalid-value 7",
            "$.topics[0].subscriptions[0].queue unknown-queue 10",
            "$.topics[0].subscriptions[1].filter.type wrong-type 11",
            "$.topics[0].subscriptions[1].filter.count[0] wrong-type 11",
            "$.topics[0].subscriptions[1].filter.vip[0].exist unknown-key 11",
            "$.topics[0].subscriptions[2].queue duplicate-subscription 12",
            "$.topics[0].subscriptions[2].filter.region[0].prefix invalid-value 12",
            "$.topics[0].subscriptions[2].filter.tier invalid-value 12",
            #"$.topics[0].subscriptions[2].filter["bad name"] invalid-value 12"#,
            "$.topics[1].sink unknown-key 14",
            "$.topics[1].name duplicate-topic 14",
            "$.topics[2].name invalid-topic-name 15",
            "$.topics[2].subscriptions missing-key 15",
        ]
        for line in expected {
            #expect(found.contains(line), "missing \(line) in:\n\(found.joined(separator: "\n"))")
        }
        #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
        let described = error.description
        #expect(described.contains(#"did you mean "stock-jobs"?"#))
        #expect(described.contains(#"did you mean "order-events"?"#))
        #expect(described.contains(#"did you mean "exists"?"#))
        #expect(described.contains(#"write a list: "type": ["order-placed"]"#))
        #expect(described.contains(#"write it in double quotes: "5""#))
        #expect(described.contains("functions.json:11:"))
    }

    @Test func topicsThatDeliverNowhereUsefulAreWarnedAbout() throws {
        let loaded = try loadManifest(Self.manifest(topics: """
        [{"name": "empty", "subscriptions": []},
         {"name": "order-events", "subscriptions": [{"queue": "stock-jobs"}, {"queue": "spare"}]}]
        """))
        let warnings = loaded.warnings.map { "\($0.path) \($0.kind)" }
        #expect(warnings.contains("$.topics[0].subscriptions topic-without-subscriptions"))
        #expect(warnings.contains("$.topics[1].subscriptions[1].queue unconsumed-subscription"))
        #expect(!warnings.contains { $0.hasPrefix("$.queues[2]") }, "a queue fed by a topic is not unused: \(warnings)")
    }

    @Test func aProducerNeedsAQueueOrATopic() throws {
        let error = try #require(manifestError(Self.manifest(topics: "[]", producers: #"[{"type": "http", "route": "POST /x"}]"#)))
        #expect(error.errors.map(\.kind) == [.missingKey])
        #expect(error.errors.first?.fix.contains(#""topic""#) == true)
    }
}
