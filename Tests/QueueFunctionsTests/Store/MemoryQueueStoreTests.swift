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
        #expect(sizes.timers <= 1_100, "30,000 leases were taken; their timers must not all be kept")
        #expect(sizes.arrivals <= 1_100, "30,000 messages were sent; their arrival entries must not all be kept")
        // Compaction keeps what is live: a delayed message still comes due, a leased one still lapses.
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
}
