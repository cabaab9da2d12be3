import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Memory engine")
struct MemoryQueueStoreTests {
    @Test("bookkeeping follows the backlog, not every message ever handled")
    func bookkeepingStaysBounded() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        var tokens: [Settlement] = []
        for round in 0..<3_000 {
            try await store.send((0..<10).map { OutgoingMessage(body: Data("\(round)-\($0)".utf8)) }, to: "jobs")
            let answer = try await store.settleAndReceive(tokens, from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            tokens = answer.leases.map { Settlement($0.token, .ack) }
        }
        _ = try await store.settle(tokens)
        let sizes = store.bookkeepingSizes(of: "jobs")
        #expect(try await store.stats(for: "jobs").total == 0)
        #expect(sizes.timers == 0, "30,000 leases were taken and settled; no timer may be left")
        #expect(sizes.arrivals == 0, "30,000 messages were sent and acked; no arrival entry may be left")
        #expect(sizes.records == 0)
        // What is live is kept: a delayed message still comes due, a leased one still lapses.
        try await store.send(Data("later".utf8), to: "jobs", delay: .seconds(5))
        try await store.send(Data("leased".utf8), to: "jobs")
        let leased = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(10))
        #expect(leased.count == 1)
        for round in 0..<300 {
            try await store.send((0..<10).map { OutgoingMessage(body: Data("more-\(round)-\($0)".utf8)) }, to: "jobs")
            let batch = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
            _ = try await store.settle(batch.map { Settlement($0.token, .ack) })
        }
        clock.advance(by: .seconds(10))
        let due = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(Set(due.map { String(decoding: $0.message.body, as: UTF8.self) }) == ["later", "leased"])
        await store.close()
    }

    @Test("a token whose message was acked is refused even after its slot holds a new message; a token without an engine key still settles")
    func reusedSlotsRefuseOldTokens() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        try await store.send([OutgoingMessage(body: Data("first".utf8))], to: "jobs")
        let first = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        #expect(try await store.settle([Settlement(first.token, .ack)]) == [.applied])
        // The freed slot is taken by the next message.
        try await store.send([OutgoingMessage(body: Data("second".utf8))], to: "jobs")
        let second = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        #expect(second.token.engineKey == first.token.engineKey, "the test needs the slot reused")
        var forged = first.token
        forged.receipt = second.token.receipt
        #expect(try await store.settle([Settlement(first.token, .ack), Settlement(forged, .ack)]) == [.staleLease, .staleLease])
        // A token built from the id and receipt alone (engine key 0) finds the message by id.
        let byID = LeaseToken(messageID: second.message.id, receipt: second.token.receipt)
        #expect(try await store.settle([Settlement(byID, .ack)]) == [.applied])
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }

    @Test("a cancelled visible message leaves its lane: the next receive gets the message after it")
    func cancelLeavesTheLane() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        let ids = (0..<3).map { _ in MessageID.generate() }
        try await store.send(ids.enumerated().map { OutgoingMessage(body: Data("\($0.offset)".utf8), id: $0.element) }, to: "jobs")
        #expect(try await store.cancel(ids[0], on: "jobs") == .cancelled)
        #expect(try await store.cancel(MessageID(ids[1].rawValue), on: "jobs") == .cancelled, "an id read back from text names the same message")
        let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map(\.message.id) == [ids[2]])
        #expect(store.bookkeepingSizes(of: "jobs").records == 1)
        await store.close()
    }
}
