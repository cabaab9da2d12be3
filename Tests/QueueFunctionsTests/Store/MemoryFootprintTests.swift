import Foundation
import Testing
@testable import QueueFunctions

@Suite("Memory engine footprint")
struct MemoryFootprintTests {
    @Test("a queued message's record takes 72 bytes: its body, rare fields and receipt are kept elsewhere")
    func recordSize() {
        #expect(MemoryLayout<MemoryRecord>.stride <= 72)
    }

    @Test("bodies come back intact after their segments were compacted, and emptied segments are freed")
    func bodiesSurviveEvacuation() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        // 24 MiB of 1 KiB bodies: 24 segments of the arena.
        let count = 24 * 1_000
        for start in stride(from: 0, to: count, by: 500) {
            try await store.send((start..<(start + 500)).map { OutgoingMessage(body: stampedBody($0, length: 1_000)) }, to: "jobs")
        }
        let segmentsFilled = store.bodySegmentsInUse()
        #expect(segmentsFilled >= 20)
        // Keep one message in 100 (it goes back to the queue); the rest are acked, which
        // leaves every filled segment mostly empty but none entirely.
        var kept: Set<Data> = []
        var leases: [Lease] = []
        while true {
            let batch = try await store.receive(from: "jobs", maxCount: 1_000, visibilityTimeout: .seconds(30))
            if batch.isEmpty { break }
            leases += batch
        }
        #expect(leases.count == count)
        var settlements: [Settlement] = []
        for (index, lease) in leases.enumerated() {
            if index % 100 == 0 {
                kept.insert(lease.message.body)
                settlements.append(Settlement(lease.token, .abandon))
            } else {
                settlements.append(Settlement(lease.token, .ack))
            }
        }
        #expect(try await store.settle(settlements).allSatisfy { $0 == .applied })
        #expect(store.bodySegmentsInUse() < segmentsFilled / 2, "sparse segments are evacuated and freed")
        var returned: Set<Data> = []
        while true {
            let batch = try await store.receive(from: "jobs", maxCount: 1_000, visibilityTimeout: .seconds(30))
            if batch.isEmpty { break }
            returned.formUnion(batch.map(\.message.body))
            _ = try await store.settle(batch.map { Settlement($0.token, .ack) })
        }
        #expect(returned == kept)
        #expect(store.bodySegmentsInUse() <= 1)
        await store.close()
    }

    @Test("bodies of every size, empty and over 64 KiB included, come back as sent, from receive and peek")
    func bodySizes() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        let lengths = [0, 1, 14, 15, 143, 4_096, 65_536, 65_537, 300_000]
        let bodies = lengths.enumerated().map { stampedBody($0.offset, length: $0.element) }
        try await store.send(bodies.map { OutgoingMessage(body: $0) }, to: "jobs")
        #expect(try await store.peek("jobs", limit: 20).map(\.body) == bodies)
        let leases = try await store.receive(from: "jobs", maxCount: 20, visibilityTimeout: .seconds(30))
        #expect(leases.map(\.message.body) == bodies)
        _ = try await store.settle(leases.map { Settlement($0.token, .ack) })
        #expect(store.bodySegmentsInUse() <= 1, "a body's own segment is freed with it")
        await store.close()
    }

    @Test("sending beyond the message limit fails with an error that says so, and stores none of that batch")
    func messageLimit() async throws {
        let store = MemoryQueueStore(clock: ManualClock(), limits: MemoryStoreLimits(maxMessages: 5))
        try await store.send((0..<3).map { OutgoingMessage(body: stampedBody($0, length: 10)) }, to: "jobs")
        let error = await #expect(throws: QueueStoreError.self) {
            try await store.send((3..<6).map { OutgoingMessage(body: stampedBody($0, length: 10)) }, to: "jobs")
        }
        #expect(error?.kind == .engine)
        #expect(error?.message.contains("full") == true && error?.message.contains("at most 5") == true)
        #expect(try await store.stats(for: "jobs").total == 3, "a refused batch stores none of its messages")
        // Room again once a message is settled.
        let lease = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        _ = try await store.settle([Settlement(lease.token, .ack)])
        try await store.send((3..<6).map { OutgoingMessage(body: stampedBody($0, length: 10)) }, to: "jobs")
        #expect(try await store.stats(for: "jobs").total == 5)
        await store.close()
    }

    @Test("sending when every body segment is in use fails with an error that says so")
    func bodySegmentLimit() async throws {
        let store = MemoryQueueStore(clock: ManualClock(), limits: MemoryStoreLimits(maxBodySegments: 2))
        // Bodies over 64 KiB take a segment each.
        try await store.send((0..<2).map { OutgoingMessage(body: stampedBody($0, length: 70_000)) }, to: "jobs")
        let error = await #expect(throws: QueueStoreError.self) {
            try await store.send([OutgoingMessage(body: stampedBody(2, length: 70_000))], to: "jobs")
        }
        #expect(error?.message.contains("body segments") == true)
        #expect(try await store.stats(for: "jobs").total == 2)
        let lease = try #require(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        _ = try await store.settle([Settlement(lease.token, .ack)])
        try await store.send([OutgoingMessage(body: stampedBody(2, length: 70_000))], to: "jobs")
        #expect(try await store.stats(for: "jobs").total == 2)
        await store.close()
    }

    @Test("ids that are not UUIDs keep working: refused when in use, cancelled and settled by id")
    func textIDs() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        try await store.send([OutgoingMessage(body: Data("a".utf8), id: MessageID("order-1"))], to: "jobs")
        await #expect(throws: QueueStoreError.self) {
            try await store.send([OutgoingMessage(body: Data("b".utf8), id: MessageID("order-1"))], to: "jobs")
        }
        try await store.send([OutgoingMessage(body: Data("c".utf8), id: MessageID("order-2"))], to: "jobs")
        #expect(try await store.cancel(MessageID("order-2"), on: "jobs") == .cancelled)
        let lease = try #require(try await store.receive(from: "jobs", maxCount: 5, visibilityTimeout: .seconds(30)).first)
        #expect(lease.message.id == MessageID("order-1"))
        let byID = LeaseToken(messageID: MessageID("order-1"), receipt: lease.token.receipt)
        #expect(try await store.settle([Settlement(byID, .ack)]) == [.applied])
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }
}
