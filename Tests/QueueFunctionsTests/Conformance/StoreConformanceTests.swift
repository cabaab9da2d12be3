import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// The store contract, run against every engine in ``StoreEngine/all``.
@Suite("Store conformance")
struct StoreConformanceTests {
    let queue = "jobs"
    let dlq = "jobs-dlq"
    let lease = Duration.seconds(30)

    private func body(_ text: String) -> Data { Data(text.utf8) }

    private func failure(_ attempt: Int, _ text: String, _ clock: ManualClock) -> FailureRecord {
        FailureRecord(attempt: attempt, at: clock.now(), error: text)
    }

    @Test("send then receive leases messages oldest first, once", arguments: StoreEngine.all)
    func sendReceive(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        for index in 0..<5 { try await store.send(body("m\(index)"), to: queue) }
        let first = try await store.receive(from: queue, maxCount: 3, visibilityTimeout: lease)
        #expect(first.map { String(decoding: $0.message.body, as: UTF8.self) } == ["m0", "m1", "m2"])
        #expect(first.allSatisfy { $0.message.receiveCount == 1 && $0.message.queue == queue })
        #expect(first.allSatisfy { $0.message.firstReceivedAt == clock.now() && $0.expiresAt == clock.now().adding(lease) })
        let second = try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease)
        #expect(second.map { String(decoding: $0.message.body, as: UTF8.self) } == ["m3", "m4"])
        let third = try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease)
        #expect(third.isEmpty)
        let stats = try await store.stats(for: queue)
        #expect(stats.visible == 0 && stats.inFlight == 5 && stats.delayed == 0)
        await store.close()
    }

    @Test("a message sent with a delay is invisible until the delay passes", arguments: StoreEngine.all)
    func delayedSend(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("later"), to: queue, delay: .seconds(10))
        #expect(try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease).isEmpty)
        #expect(try await store.stats(for: queue).delayed == 1)
        clock.advance(by: .seconds(9))
        #expect(try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease).isEmpty)
        clock.advance(by: .seconds(1))
        let leases = try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease)
        #expect(leases.count == 1)
        await store.close()
    }

    @Test("ack deletes; acking twice is refused", arguments: StoreEngine.all)
    func ack(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("a"), to: queue)
        let leases = try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease)
        let token = try #require(leases.first?.token)
        #expect(try await store.ack(token) == .applied)
        #expect(try await store.ack(token) == .staleLease)
        #expect(try await store.stats(for: queue).total == 0)
        clock.advance(by: .seconds(60))
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).isEmpty)
        await store.close()
    }

    @Test("an expired lease redelivers with a new token; the old token cannot delete the new delivery", arguments: StoreEngine.all)
    func leaseExpiry(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let id = try await store.send(body("x"), to: queue)
        let first = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        clock.advance(by: .seconds(29))
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).isEmpty)
        clock.advance(by: .seconds(1))
        let second = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        #expect(second.message.id == id)
        #expect(second.message.receiveCount == 2)
        #expect(second.token != first.token)
        #expect(second.message.firstReceivedAt == first.message.firstReceivedAt)
        #expect(try await store.ack(first.token) == .staleLease)
        #expect(try await store.stats(for: queue).inFlight == 1)
        #expect(try await store.ack(second.token) == .applied)
        #expect(try await store.stats(for: queue).total == 0)
        await store.close()
    }

    @Test("retry hides the message for the delay and records the failure", arguments: StoreEngine.all)
    func retry(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("r"), to: queue)
        let first = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        #expect(try await store.retry(first.token, after: .seconds(4), failure: failure(1, "boom", clock)) == .applied)
        #expect(try await store.stats(for: queue).delayed == 1)
        clock.advance(by: .seconds(3))
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).isEmpty)
        clock.advance(by: .seconds(1))
        let second = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        #expect(second.message.receiveCount == 2)
        #expect(second.message.failures.map(\.error) == ["boom"])
        #expect(try await store.retry(first.token, after: .zero, failure: failure(1, "late", clock)) == .staleLease)
        await store.close()
    }

    @Test("retry with no delay is visible at once", arguments: StoreEngine.all)
    func retryNow(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("r"), to: queue)
        let first = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        _ = try await store.retry(first.token, after: .zero, failure: failure(1, "again", clock))
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).count == 1)
        await store.close()
    }

    @Test("dead-lettering moves the message with its history; redrive brings it back", arguments: StoreEngine.all)
    func deadLetterAndRedrive(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let id = try await store.send(body("poison"), to: queue)
        for attempt in 1...3 {
            let delivery = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
            #expect(delivery.message.receiveCount == attempt)
            if attempt < 3 {
                _ = try await store.retry(delivery.token, after: .zero, failure: failure(attempt, "fail \(attempt)", clock))
            } else {
                #expect(try await store.deadLetter(delivery.token, to: dlq, failure: failure(attempt, "fail 3", clock)) == .applied)
            }
        }
        #expect(try await store.stats(for: queue).total == 0)
        #expect(try await store.stats(for: queue).deadLettered == 1)
        #expect(try await store.stats(for: dlq).visible == 1)
        let parked = try #require(try await store.peek(dlq, limit: 10).first)
        #expect(parked.id == id)
        #expect(parked.queue == dlq)
        #expect(parked.deadLetter?.sourceQueue == queue)
        #expect(parked.deadLetter?.receiveCount == 3)
        #expect(parked.deadLetter?.reason == "fail 3")
        #expect(parked.failures.map(\.error) == ["fail 1", "fail 2", "fail 3"])
        #expect(parked.failures.map(\.attempt) == [1, 2, 3])
        #expect(String(decoding: parked.body, as: UTF8.self) == "poison")

        #expect(try await store.redrive(from: dlq, to: nil, limit: 100) == 1)
        #expect(try await store.stats(for: dlq).total == 0)
        #expect(try await store.stats(for: queue).deadLettered == 0)
        let again = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        #expect(again.message.id == id)
        #expect(again.message.receiveCount == 1)
        #expect(again.message.deadLetter == nil)
        #expect(again.message.failures.count == 3)
        #expect(try await store.ack(again.token) == .applied)
        await store.close()
    }

    @Test("redrive to an explicit queue honours the limit", arguments: StoreEngine.all)
    func redriveToQueue(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        for index in 0..<3 { try await store.send(body("p\(index)"), to: queue) }
        for delivery in try await store.receive(from: queue, maxCount: 3, visibilityTimeout: lease) {
            _ = try await store.deadLetter(delivery.token, to: dlq, failure: failure(1, "bad", clock))
        }
        #expect(try await store.redrive(from: dlq, to: "elsewhere", limit: 2) == 2)
        #expect(try await store.stats(for: "elsewhere").visible == 2)
        #expect(try await store.stats(for: dlq).visible == 1)
        #expect(try await store.stats(for: queue).deadLettered == 1)
        await store.close()
    }

    @Test("abandon gives the receive back and makes the message visible at once", arguments: StoreEngine.all)
    func abandon(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("first"), to: queue)
        try await store.send(body("second"), to: queue)
        let delivery = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        #expect(try await store.settle([Settlement(delivery.token, .abandon)]) == [.applied])
        let next = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        #expect(String(decoding: next.message.body, as: UTF8.self) == "first")
        #expect(next.message.receiveCount == 1)
        await store.close()
    }

    @Test("extend pushes the lease out", arguments: StoreEngine.all)
    func extend(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("long"), to: queue)
        let delivery = try #require(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).first)
        clock.advance(by: .seconds(20))
        #expect(try await store.extend(delivery.token, visibilityTimeout: .seconds(30)) == .applied)
        clock.advance(by: .seconds(20))
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).isEmpty)
        #expect(try await store.ack(delivery.token) == .applied)
        #expect(try await store.extend(delivery.token, visibilityTimeout: .seconds(30)) == .staleLease)
        await store.close()
    }

    @Test("settling a batch applies each item and reports stale ones in order", arguments: StoreEngine.all)
    func settleBatch(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        for index in 0..<3 { try await store.send(body("b\(index)"), to: queue) }
        let leases = try await store.receive(from: queue, maxCount: 3, visibilityTimeout: lease)
        let stale = LeaseToken(messageID: leases[0].token.messageID, receipt: leases[0].token.receipt &+ 999)
        let results = try await store.settle([
            Settlement(leases[0].token, .ack),
            Settlement(stale, .ack),
            Settlement(leases[1].token, .retry(after: .seconds(5), failure: failure(1, "later", clock))),
            Settlement(leases[2].token, .deadLetter(queue: dlq, failure: failure(1, "never", clock))),
        ])
        #expect(results == [.applied, .staleLease, .applied, .applied])
        let stats = try await store.stats(for: queue)
        #expect(stats.visible == 0 && stats.delayed == 1 && stats.inFlight == 0 && stats.deadLettered == 1)
        await store.close()
    }

    @Test("settleAndReceive settles the last batch and leases the next in one step", arguments: StoreEngine.all)
    func settleAndReceive(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        for index in 0..<5 { try await store.send(body("s\(index)"), to: queue) }
        let first = try await store.receive(from: queue, maxCount: 2, visibilityTimeout: lease)
        let stale = LeaseToken(messageID: first[1].token.messageID, receipt: first[1].token.receipt &+ 7)
        let answer = try await store.settleAndReceive(
            [Settlement(first[0].token, .ack), Settlement(stale, .ack),
             Settlement(first[1].token, .retry(after: .zero, failure: failure(1, "again", clock)))],
            from: queue, maxCount: 10, visibilityTimeout: lease
        )
        #expect(answer.results == [.applied, .staleLease, .applied])
        #expect(answer.leases.map { String(decoding: $0.message.body, as: UTF8.self) } == ["s2", "s3", "s4", "s1"])
        #expect(answer.leases.last?.message.receiveCount == 2)
        let empty = try await store.settleAndReceive([], from: queue, maxCount: 10, visibilityTimeout: lease)
        #expect(empty.results.isEmpty && empty.leases.isEmpty)
        #expect(try await store.stats(for: queue).inFlight == 4)
        await store.close()
    }

    @Test("purge deletes every message in any state; its leases become stale", arguments: StoreEngine.all)
    func purge(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        for index in 0..<4 { try await store.send(body("p\(index)"), to: queue) }
        try await store.send(body("delayed"), to: queue, delay: .seconds(60))
        let leases = try await store.receive(from: queue, maxCount: 2, visibilityTimeout: lease)
        #expect(try await store.purge(queue) == 5)
        #expect(try await store.stats(for: queue).total == 0)
        #expect(try await store.ack(leases[0].token) == .staleLease)
        clock.advance(by: .seconds(120))
        #expect(try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease).isEmpty)
        await store.close()
    }

    @Test("peek and stats report each state without leasing", arguments: StoreEngine.all)
    func peekAndStats(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let start = clock.now()
        try await store.send(body("visible"), to: queue)
        clock.advance(by: .seconds(1))
        try await store.send(body("leased"), to: queue)
        try await store.send(body("delayed"), to: queue, delay: .seconds(30))
        _ = try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease)
        // The receive took the oldest visible message, "visible".
        let peeked = try await store.peek(queue, limit: 10)
        #expect(peeked.count == 3)
        let states = Dictionary(uniqueKeysWithValues: peeked.map { (String(decoding: $0.body, as: UTF8.self), $0.state) })
        #expect(states["visible"] == .inFlight(until: clock.now().adding(lease)))
        #expect(states["leased"] == .visible)
        #expect(states["delayed"] == .delayed(until: clock.now().adding(.seconds(30))))
        let stats = try await store.stats(for: queue)
        #expect(stats.visible == 1 && stats.inFlight == 1 && stats.delayed == 1)
        #expect(stats.oldestEnqueuedAt == start)
        clock.advance(by: .seconds(9))
        #expect(try await store.stats(for: queue).oldestAge(at: clock.now()) == .seconds(10))
        #expect(try await store.queueNames() == [queue])
        #expect(try await store.peek("nothing", limit: 10).isEmpty)
        await store.close()
    }

    @Test("messages keep their bytes exactly", arguments: StoreEngine.all)
    func bodiesRoundTrip(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let binary = Data((0...255).map { UInt8($0) })
        let empty = Data()
        try await store.send([OutgoingMessage(body: binary), OutgoingMessage(body: empty)], to: queue)
        let leases = try await store.receive(from: queue, maxCount: 2, visibilityTimeout: lease)
        #expect(leases.map(\.message.body) == [binary, empty])
        await store.close()
    }

    @Test("concurrent consumers never lease the same message twice", arguments: StoreEngine.all)
    func competingConsumers(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let count = 1_000
        try await store.send((0..<count).map { OutgoingMessage(body: Data("\($0)".utf8)) }, to: queue)
        let seen = try await withThrowingTaskGroup(of: [MessageID].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var mine: [MessageID] = []
                    while true {
                        let leases = try await store.receive(from: queue, maxCount: 10, visibilityTimeout: lease)
                        if leases.isEmpty { return mine }
                        mine += leases.map(\.message.id)
                        _ = try await store.settle(leases.map { Settlement($0.token, .ack) })
                    }
                }
            }
            var all: [MessageID] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(seen.count == count)
        #expect(Set(seen).count == count)
        #expect(try await store.stats(for: queue).total == 0)
        await store.close()
    }

    @Test("a waiting consumer wakes when a message is sent", arguments: StoreEngine.all)
    func waitWakesOnSend(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let waiter = Task { await store.waitForMessages(on: queue, until: clock.now().adding(.seconds(3600))) }
        try await store.send(body("wake"), to: queue)
        await waiter.value
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).count == 1)
        await store.close()
    }

    @Test("a waiting consumer wakes when a delayed message comes due", arguments: StoreEngine.all)
    func waitWakesOnDue(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        try await store.send(body("soon"), to: queue, delay: .seconds(5))
        let waiter = Task { await store.waitForMessages(on: queue, until: clock.now().adding(.seconds(3600))) }
        while clock.sleeperCount == 0 { await Task.yield() }
        #expect(clock.nextDeadline == clock.now().adding(.seconds(5)))
        clock.advance(by: .seconds(5))
        await waiter.value
        #expect(try await store.receive(from: queue, maxCount: 1, visibilityTimeout: lease).count == 1)
        await store.close()
    }
}
