import Foundation
import Testing
@testable import QueueFunctions

/// Publishing to a topic: one copy into every matching subscribed queue, in one store
/// step, on every engine; a failure part-way leaves no copy anywhere.
@Suite("Store conformance: topic fan-out")
struct TopicConformanceTests {
    static let topic = TopicConfig(name: "order-events", subscriptions: [
        TopicSubscription(queue: "stock"),
        TopicSubscription(queue: "payment", filter: AttributeFilter(["type": [.equals("order-placed")]])),
        TopicSubscription(queue: "eu-notify", filter: AttributeFilter(["region": [.prefix("eu-")], "silent": [.notExists]])),
    ])
    static let queues = ["stock", "payment", "eu-notify"]

    private func client(_ store: any QueueStore) -> QueueClient {
        QueueClient(store: store, knownQueues: Set(Self.queues), topics: [Self.topic])
    }

    private func counts(_ store: any QueueStore) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for queue in Self.queues { counts[queue] = try await store.stats(for: queue).total }
        return counts
    }

    @Test("a published message is copied into every matching queue once, with its attributes", arguments: StoreEngine.all)
    func fanOutWithFilters(engine: StoreEngine) async throws {
        let store = try await engine.make(ManualClock())
        let queues = client(store)
        let all = try await queues.publish(body: Data("1".utf8), to: "order-events", attributes: ["type": "order-placed", "region": "eu-west"])
        #expect(all.queues == ["stock", "payment", "eu-notify"])
        let some = try await queues.publish(body: Data("2".utf8), to: "order-events", attributes: ["type": "order-paid", "region": "eu-west", "silent": "1"])
        #expect(some.queues == ["stock"])
        #expect(try await counts(store) == ["stock": 2, "payment": 1, "eu-notify": 1])
        let leased = try await store.receive(from: "eu-notify", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leased.map { String(decoding: $0.message.body, as: UTF8.self) } == ["1"])
        #expect(leased.first.map { $0.message.id } == all.deliveries.last?.id)
        await store.close()
    }

    @Test("without filters every subscription gets a copy; with none matching nothing is stored and it is not an error", arguments: StoreEngine.all)
    func fanOutWithoutFilters(engine: StoreEngine) async throws {
        let store = try await engine.make(ManualClock())
        let open = TopicConfig(name: "broadcast", subscriptions: Self.queues.map { TopicSubscription(queue: $0) })
        let filtered = TopicConfig(name: "picky", subscriptions: [
            TopicSubscription(queue: "payment", filter: AttributeFilter(["type": [.equals("never")]])),
        ])
        let queues = QueueClient(store: store, knownQueues: Set(Self.queues), topics: [open, filtered])
        let receipt = try await queues.publish(body: Data("{}".utf8), to: "broadcast")
        #expect(receipt.queues == Self.queues)
        #expect(Set(receipt.deliveries.map(\.id)).count == 3)
        let none = try await queues.publish(body: Data("{}".utf8), to: "picky", attributes: ["type": "other"])
        #expect(none.deliveries.isEmpty)
        #expect(try await counts(store) == ["stock": 1, "payment": 1, "eu-notify": 1])
        await store.close()
    }

    @Test("a copy that cannot be stored (its id is taken) leaves no copy on any queue", arguments: StoreEngine.all)
    func fanOutIsAllOrNone(engine: StoreEngine) async throws {
        let store = try await engine.make(ManualClock())
        let taken = MessageID.generate()
        try await store.send([OutgoingMessage(body: Data("earlier".utf8), id: taken)], to: "eu-notify")
        let queues = client(store)
        var (_, copies) = try queues.prepare(
            OutgoingMessage(body: Data("order".utf8), attributes: ["type": "order-placed", "region": "eu-north"]), to: "order-events"
        )
        #expect(copies.map(\.queue) == Self.queues)
        // The last copy clashes, after the first two were written within the step.
        copies[2].message.id = taken
        await #expect(throws: (any Error).self) {
            try await TopicFanOut.store(copies, topic: "order-events", in: store)
        }
        #expect(try await counts(store) == ["stock": 0, "payment": 0, "eu-notify": 1], "no copy may remain after a failed publish")
        let published = try await queues.publish(body: Data("again".utf8), to: "order-events",
                                                 attributes: ["type": "order-placed", "region": "eu-north"])
        #expect(published.queues == Self.queues, "the store is usable afterwards")
        #expect(try await counts(store) == ["stock": 1, "payment": 1, "eu-notify": 2])
        await store.close()
    }

    @Test("publishing to an unknown topic names the declared ones", arguments: [StoreEngine.memory])
    func unknownTopic(engine: StoreEngine) async throws {
        let store = try await engine.make(ManualClock())
        let error = await #expect(throws: QueueClient.SendError.self) {
            try await client(store).publish(body: Data("{}".utf8), to: "order-event")
        }
        #expect(error?.description.contains("did you mean 'order-events'?") == true)
        #expect(try await counts(store).values.allSatisfy { $0 == 0 })
        await store.close()
    }
}
