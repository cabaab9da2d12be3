import Foundation
import Testing
@testable import QueueFunctions

/// Scheduled delivery, priorities, FIFO groups, deduplication, attributes and cancel on every engine.
@Suite("Store conformance: delivery options")
struct DeliveryConformanceTests {
    private func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }
    private func message(_ body: String, priority: Int = 0, group: String? = nil, at: Date? = nil,
                         attributes: [String: String] = [:]) -> OutgoingMessage {
        OutgoingMessage(body: Data(body.utf8), attributes: attributes, scheduledAt: at, priority: priority, groupID: group)
    }

    @Test("a message scheduled at a time stays invisible until then, counted as scheduled", arguments: StoreEngine.all)
    func scheduledAtATime(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        // Far beyond SQS's 15-minute cap: 40 days.
        let at = clock.now().addingTimeInterval(40 * 86_400)
        try await store.send([message("later", at: at), message("now")], to: "jobs")
        var stats = try await store.stats(for: "jobs")
        #expect(stats.scheduled == 1 && stats.delayed == 1 && stats.visible == 1)
        let now = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(now.map { text($0.message.body) } == ["now"])
        for lease in now { _ = try await store.ack(lease.token) }
        clock.advance(by: .seconds(40 * 86_400 - 1))
        #expect(try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).isEmpty)
        clock.advance(by: .seconds(1))
        let due = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(due.map { text($0.message.body) } == ["later"])
        stats = try await store.stats(for: "jobs")
        #expect(stats.scheduled == 0)
        await store.close()
    }

    @Test("a time in the past is delivered at once; a retry backoff is not counted as scheduled", arguments: StoreEngine.all)
    func pastTimeAndRetriesAreNotScheduled(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send([message("past", at: clock.now().addingTimeInterval(-60))], to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        #expect(leases.map { text($0.message.body) } == ["past"])
        let lease = try #require(leases.first)
        _ = try await store.retry(lease.token, after: .seconds(10), failure: FailureRecord(attempt: 1, at: clock.now(), error: "x"))
        let stats = try await store.stats(for: "jobs")
        #expect(stats.delayed == 1 && stats.scheduled == 0)
        await store.close()
    }

    @Test("higher priorities are received first, in send order within a priority", arguments: StoreEngine.all)
    func priorityOrder(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send([
            message("a0", priority: 0), message("b5", priority: 5), message("c9", priority: 9),
            message("d5", priority: 5), message("e0", priority: 0), message("f9", priority: 9),
        ], to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 3, visibilityTimeout: .seconds(30))
        #expect(first.map { text($0.message.body) } == ["c9", "f9", "b5"])
        #expect(first.map(\.message.priority) == [9, 9, 5])
        try await store.send([message("g9", priority: 9)], to: "jobs")
        let rest = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(rest.map { text($0.message.body) } == ["g9", "d5", "a0", "e0"])
        await store.close()
    }

    @Test("a FIFO group has one message in flight, in send order; a failing one blocks only its group", arguments: StoreEngine.all)
    func fifoGroupsBlockInOrder(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send([
            message("a1", group: "a"), message("b1", group: "b"), message("a2", group: "a"),
            message("a3", group: "a"), message("b2", group: "b"), message("free"),
        ], to: "jobs")
        var leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(Set(leases.map { text($0.message.body) }) == ["a1", "b1", "free"])
        #expect(try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).isEmpty)
        let byBody = Dictionary(uniqueKeysWithValues: leases.map { (text($0.message.body), $0) })
        // a1 fails and waits 10 s; b1 and free succeed.
        let a1 = try #require(byBody["a1"])
        #expect(a1.message.groupID == "a")
        _ = try await store.retry(a1.token, after: .seconds(10), failure: FailureRecord(attempt: 1, at: clock.now(), error: "boom"))
        _ = try await store.ack(try #require(byBody["b1"]).token)
        _ = try await store.ack(try #require(byBody["free"]).token)
        leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map { text($0.message.body) } == ["b2"])
        _ = try await store.ack(leases[0].token)
        #expect(try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).isEmpty)
        clock.advance(by: .seconds(10))
        leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map { text($0.message.body) } == ["a1"])
        _ = try await store.ack(leases[0].token)
        for expected in ["a2", "a3"] {
            leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            #expect(leases.map { text($0.message.body) } == [expected])
            if let lease = leases.first { _ = try await store.ack(lease.token) }
        }
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }

    @Test("dead-lettering a group's head lets the next go; a lapsed lease keeps the group blocked", arguments: StoreEngine.all)
    func fifoDeadLetterAndLapse(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send([message("1", group: "g"), message("2", group: "g"), message("3", group: "g")], to: "jobs")
        var leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(5))
        #expect(leases.map { text($0.message.body) } == ["1"])
        clock.advance(by: .seconds(6))
        leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(5))
        #expect(leases.map { text($0.message.body) } == ["1"])
        _ = try await store.deadLetter(leases[0].token, to: "jobs-dlq", failure: FailureRecord(attempt: 2, at: clock.now(), error: "bad"))
        leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(5))
        #expect(leases.map { text($0.message.body) } == ["2"])
        let dead = try await store.peek("jobs-dlq", limit: 10)
        #expect(dead.map(\.groupID) == ["g"])
        await store.close()
    }

    @Test("attributes, priority and group survive the dead-letter queue and a redrive", arguments: StoreEngine.all)
    func attributesSurviveTheDeadLetterRoundTrip(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let attributes = ["event-type": "order.placed", "tenant": "acme", "empty": ""]
        try await store.send([message("m", priority: 7, attributes: attributes)], to: "jobs")
        #expect(try await store.peek("jobs", limit: 1).first?.attributes == attributes)
        let lease = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        #expect(lease.message.attributes == attributes)
        _ = try await store.deadLetter(lease.token, to: "jobs-dlq", failure: FailureRecord(attempt: 1, at: clock.now(), error: "bad"))
        let dead = try #require(try await store.peek("jobs-dlq", limit: 1).first)
        #expect(dead.attributes == attributes && dead.priority == 7)
        let fromDLQ = try #require(try await store.receive(from: "jobs-dlq", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        #expect(fromDLQ.message.attributes == attributes)
        _ = try await store.settle([Settlement(fromDLQ.token, .abandon)])
        #expect(try await store.redrive(from: "jobs-dlq", to: nil, limit: 10) == 1)
        let again = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        #expect(again.message.attributes == attributes && again.message.priority == 7)
        await store.close()
    }

    @Test("a waiting message can be cancelled by id; an in-flight one cannot", arguments: StoreEngine.all)
    func cancel(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try #require(try await engine.make(clock) as? any CancellingQueueStore)
        let later = message("later", at: clock.now().addingTimeInterval(3_600))
        let head = message("head", group: "g")
        let next = message("next", group: "g")
        try await store.send([later, head, next], to: "jobs")
        #expect(try await store.cancel(later.id, on: "jobs") == .cancelled)
        #expect(try await store.cancel(later.id, on: "jobs") == .notFound)
        #expect(try await store.cancel(head.id, on: "other") == .notFound)
        #expect(try await store.stats(for: "jobs").scheduled == 0)
        // Cancelling a group's head lets the next one go.
        #expect(try await store.cancel(head.id, on: "jobs") == .cancelled)
        let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map { text($0.message.body) } == ["next"])
        #expect(try await store.cancel(next.id, on: "jobs") == .inFlight)
        for lease in leases { _ = try await store.ack(lease.token) }
        clock.advance(by: .seconds(7_200))
        #expect(try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).isEmpty)
        await store.close()
    }

    @Test("FIFO deduplication: a repeated id or body within the window returns the original and stores nothing", arguments: StoreEngine.all)
    func fifoDeduplication(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        var byID = QueueConfig(name: "orders")
        byID.delivery = QueueDelivery(fifo: true)
        var byBody = QueueConfig(name: "events")
        byBody.delivery = QueueDelivery(fifo: true, contentBasedDeduplication: true, deduplicationWindow: .seconds(60))
        let client = QueueClient(store: store, queueConfigs: [byID, byBody])
        let first = try await client.send(body: Data("o1".utf8), to: "orders", options: DeliveryOptions(groupID: "c1", deduplicationID: "d1"))
        let again = try await client.send(body: Data("o1 again".utf8), to: "orders", options: DeliveryOptions(groupID: "c1", deduplicationID: "d1"))
        #expect(!first.isDuplicate && again.isDuplicate && again.id == first.id)
        let e1 = try await client.send(body: Data("same".utf8), to: "events", options: DeliveryOptions(groupID: "g"))
        let e2 = try await client.send(body: Data("same".utf8), to: "events", options: DeliveryOptions(groupID: "g"))
        #expect(e2.isDuplicate && e2.id == e1.id)
        clock.advance(by: .seconds(60))
        let e3 = try await client.send(body: Data("same".utf8), to: "events", options: DeliveryOptions(groupID: "g"))
        #expect(!e3.isDuplicate && e3.id != e1.id)
        clock.advance(by: .seconds(240))
        let later = try await client.send(body: Data("o1".utf8), to: "orders", options: DeliveryOptions(groupID: "c1", deduplicationID: "d1"))
        #expect(!later.isDuplicate)
        #expect(try await store.stats(for: "orders").visible == 2)
        #expect(try await store.stats(for: "events").visible == 2)
        await store.close()
    }

    @Test("the outbox and deduplicated sends keep attributes, priority, group and scheduled time", arguments: StoreEngine.all)
    func outboxAndDeduplicatedSendsKeepOptions(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let outboxStore = try #require(store as? any TransactionalOutboxStore)
        let deduplicating = try #require(store as? any DeduplicatingQueueStore)
        let at = clock.now().addingTimeInterval(600)
        try await store.send([message("trigger")], to: "jobs")
        let lease = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        let forwarded = message("forwarded", priority: 4, group: "g", at: at, attributes: ["k": "v"])
        let settled = try await outboxStore.settle(
            [Settlement(lease.token, .ack)], outbox: [QueuedMessage(queue: "next", message: forwarded)],
            thenReceiveFrom: "jobs", maxCount: 0, visibilityTimeout: .seconds(30)
        )
        #expect(settled.outboxStored)
        _ = try await deduplicating.send(message("deduped", priority: 2, attributes: ["d": "1"]), to: "next",
                                         deduplicationKey: "key", window: .seconds(60))
        let stored = try await store.peek("next", limit: 10)
        #expect(stored.map { text($0.body) } == ["forwarded", "deduped"])
        #expect(stored.first?.attributes == ["k": "v"] && stored.first?.priority == 4 && stored.first?.groupID == "g")
        #expect(stored.first?.state == .delayed(until: at))
        #expect(stored.last?.attributes == ["d": "1"] && stored.last?.priority == 2)
        await store.close()
    }
}
