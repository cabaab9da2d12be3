import Foundation
import Testing
@testable import QueueFunctions

/// The hot path of a finished batch: `settleAndReceive` with acks only (which the
/// PostgreSQL engine runs as one statement that acks and promotes together), on every engine.
@Suite("Ack and receive conformance")
struct AckAndReceiveConformanceTests {
    let queue = "jobs"
    let lease = Duration.seconds(30)

    private func texts(_ leases: [Lease]) -> [String] {
        leases.map { String(decoding: $0.message.body, as: UTF8.self) }
    }

    @Test("acks only: a lapsed lease still acks, a token given twice or stale changes nothing, and due messages are leased in due order",
          arguments: StoreEngine.all)
    func acksThenReceive(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        for name in ["a", "b", "c", "d"] { try await store.send(Data(name.utf8), to: queue) }
        try await store.send(Data("e".utf8), to: queue, delay: .seconds(10))
        let first = try await store.receive(from: queue, maxCount: 2, visibilityTimeout: lease)
        #expect(texts(first) == ["a", "b"])
        // Both leases lapse, and e comes due (at 10 s, before b at 30 s).
        clock.advance(by: .seconds(31))
        let staleB = LeaseToken(messageID: first[1].token.messageID, receipt: first[1].token.receipt &+ 7)
        let answer = try await store.settleAndReceive(
            [Settlement(first[0].token, .ack), Settlement(first[0].token, .ack), Settlement(staleB, .ack)],
            from: queue, maxCount: 10, visibilityTimeout: lease
        )
        #expect(answer.results == [.applied, .staleLease, .staleLease])
        #expect(texts(answer.leases) == ["c", "d", "e", "b"])
        #expect(answer.leases.last?.message.receiveCount == 2)
        // The next step acks every current lease and finds nothing more.
        let last = try await store.settleAndReceive(
            answer.leases.map { Settlement($0.token, .ack) }, from: queue, maxCount: 10, visibilityTimeout: lease
        )
        #expect(last.results == Array(repeating: .applied, count: 4))
        #expect(last.leases.isEmpty)
        #expect(try await store.stats(for: queue).total == 0)
        await store.close()
    }
}
