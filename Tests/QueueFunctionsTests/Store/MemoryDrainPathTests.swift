import Foundation
import Testing
@testable import QueueFunctions

/// The memory engine's receive and settle path: timers, the id index and leased bodies,
/// each kept cheap per message without changing what callers see.
@Suite("Memory engine drain path")
struct MemoryDrainPathTests {
    @Test("timers fire in (time, receipt) order whatever the order of pushes, renewals and removals")
    func timersMatchASortedReference() throws {
        var table = MemoryRecordTable()
        var timers = MemoryTimers()
        var random = SplitMix64(seed: 11)
        // The reference: every live entry's (until, receipt, slot).
        var live: [Int32: (until: Double, receipt: UInt64)] = [:]
        var receipt: UInt64 = 0
        var clock = 0.0
        var mostHeld = 0
        for step in 0..<20_000 {
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 45 || live.isEmpty {
                // Mostly in order (leases); sometimes earlier (a delay, a retry's backoff).
                clock += Double(Int.random(in: 0..<3, using: &random))
                let until = roll < 40 ? clock + 30 : clock + Double(Int.random(in: 0..<30, using: &random))
                let slot = try table.insert(
                    MemoryRecord(phase: .inFlight, priority: 0, queue: 0, sentAt: 0), id: .generate(), body: Data(), extras: nil
                )
                table[slot].until = until
                receipt += 1
                timers.push(slot, receipt: receipt, &table)
                live[slot] = (until, receipt)
            } else if roll < 80 {
                // Settled, in any order.
                let slot = try #require(live.keys.randomElement(using: &random))
                #expect(timers.remove(slot, &table) == live[slot]?.receipt, "step \(step): the receipt comes back with the entry")
                live[slot] = nil
                table.remove(slot)
            } else if roll < 90 {
                // Renewed: the same receipt, a later time.
                let slot = try #require(live.keys.randomElement(using: &random))
                let kept = try #require(timers.remove(slot, &table))
                table[slot].until = clock + 30 + Double(Int.random(in: 0..<5, using: &random))
                timers.push(slot, receipt: kept, &table)
                live[slot] = (table[slot].until, kept)
            } else {
                // Due ones fire earliest first.
                let now = clock + Double(Int.random(in: 0..<40, using: &random))
                let due = live.filter { $0.value.until <= now }
                    .sorted { ($0.value.until, $0.value.receipt) < ($1.value.until, $1.value.receipt) }.map(\.key)
                var fired: [Int32] = []
                while let slot = timers.popDue(now: now, &table) { fired.append(slot) }
                #expect(fired == due, "step \(step): due timers fire in (time, receipt) order")
                for slot in fired {
                    live[slot] = nil
                    table.remove(slot)
                }
            }
            let earliest = live.values.min { ($0.until, $0.receipt) < ($1.until, $1.receipt) }?.until
            #expect(timers.earliest == earliest, "step \(step)")
            for (slot, entry) in live { #expect(timers.receipt(of: slot, table) == entry.receipt) }
            mostHeld = max(mostHeld, timers.count - 3 * live.count)
        }
        #expect(mostHeld <= 64, "removed entries are dropped: the timers hold at most about 3x their live entries")
    }

    @Test("a leased body stays intact after its message is settled and the arena reuses its bytes")
    func leasedBodiesOutliveTheirMessages() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        // Every kind of body, and enough of them that a batch's bodies fill several shared chunks.
        let lengths = [0, 7, 14, 15, 143, 4_096, 4_097, 65_536, 65_537] + Array(repeating: 1_000, count: 200)
        let sent = lengths.enumerated().map { stampedBody($0.offset, length: $0.element) }
        try await store.send(sent.map { OutgoingMessage(body: $0) }, to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 500, visibilityTimeout: .seconds(30))
        let kept = leases.map(\.message.body)
        #expect(kept == sent)
        #expect(try await store.settle(leases.map { Settlement($0.token, .ack) }).allSatisfy { $0 == .applied })
        // The segment being filled starts over from its front: new bodies land where the
        // settled ones were.
        try await store.send((1_000..<1_400).map { OutgoingMessage(body: stampedBody($0, length: 1_000)) }, to: "jobs")
        #expect(kept == sent, "bodies handed out keep their bytes after the store reuses its own")
        for (body, length) in zip(kept, lengths) where length > 0 {
            // Each body is a Data of its own: indices from zero.
            #expect(body.startIndex == 0 && body[0] == UInt8(ascii: "<"))
        }
        await store.close()
    }

    @Test("ids of settled messages are gone from the index while their slots are reused, whatever the id")
    func settledIDsAreForgotten() async throws {
        let store = MemoryQueueStore(clock: ManualClock())
        let zero = MessageID("00000000-0000-0000-0000-000000000000")
        var settled: [MessageID] = []
        for round in 0..<40 {
            // A queue that never grows: each round's messages take the slots the last one freed.
            let ids = (0..<25).map { _ in MessageID.generate() } + (round == 0 ? [zero] : [])
            try await store.send(ids.map { OutgoingMessage(body: stampedBody(round, length: 20), id: $0) }, to: "jobs")
            let leases = try await store.receive(from: "jobs", maxCount: 100, visibilityTimeout: .seconds(30))
            #expect(Set(leases.map(\.message.id)) == Set(ids))
            _ = try await store.settle(leases.map { Settlement($0.token, .ack) })
            settled += ids
        }
        // The last message sent is the only one stored; every settled id is unknown and
        // may be sent again (the all-zero UUID too, whose bits match a free slot's).
        let live = MessageID.generate()
        try await store.send([OutgoingMessage(body: Data("live".utf8), id: live)], to: "jobs")
        for id in settled.prefix(200) + [zero] { #expect(try await store.cancel(id, on: "jobs") == .notFound) }
        try await store.send([OutgoingMessage(body: Data("again".utf8), id: zero)], to: "jobs")
        await #expect(throws: QueueStoreError.self) {
            try await store.send([OutgoingMessage(body: Data("twice".utf8), id: live)], to: "jobs")
        }
        #expect(try await store.cancel(zero, on: "jobs") == .cancelled)
        #expect(try await store.cancel(live, on: "jobs") == .cancelled)
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }
}
