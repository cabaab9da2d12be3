import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting

@Suite("FaultyStore")
struct FaultyStoreTests {
    private func body(_ number: Int) -> Data { Data("{\"number\":\(number)}".utf8) }

    @Test("the Nth call fails with the chosen error before reaching the store, so nothing is applied")
    func nthCallFails() async throws {
        let memory = MemoryQueueStore(clock: ManualClock())
        let faults = StoreFaults([.failure(.busy, of: .send, when: .onCall(2))])
        let store = FaultyStore(wrapping: memory, faults: faults)
        try await store.send(body(1), to: "jobs")
        await #expect {
            try await store.send(body(2), to: "jobs")
        } throws: { error in
            guard let error = error as? QueueStoreError else { return false }
            return error.kind == .busy && error.isRetryable && error.message.contains("send") && error.message.contains("'jobs'")
        }
        try await store.send(body(3), to: "jobs")
        #expect(try await memory.stats(for: "jobs").visible == 2)
        #expect(faults.counts.retryableFailures == 1)
        #expect(faults.counts.failures(of: .send) == 1)
        #expect(faults.counts.failures(of: .receive) == 0)
    }

    @Test("fatal kinds are not retryable")
    func fatalFailure() async throws {
        let faults = StoreFaults([.failure(.engine, of: .settle, when: .always)])
        let store = FaultyStore(wrapping: MemoryQueueStore(clock: ManualClock()), faults: faults)
        await #expect {
            _ = try await store.settle([])
        } throws: { ($0 as? QueueStoreError)?.isRetryable == false }
        #expect(faults.counts.fatalFailures == 1)
    }

    @Test("a share of calls fails, and the same seed fails the same calls")
    func seededShare() async throws {
        func pattern(seed: UInt64) async -> [Bool] {
            let store = FaultyStore(
                wrapping: MemoryQueueStore(clock: ManualClock()), faults: StoreFaults(seed: seed, [.failure(of: .stats, when: .rate(0.2))])
            )
            var failed: [Bool] = []
            for _ in 0..<1_000 {
                do {
                    _ = try await store.stats(for: "jobs")
                    failed.append(false)
                } catch {
                    failed.append(true)
                }
            }
            return failed
        }
        let first = await pattern(seed: 42)
        #expect(await pattern(seed: 42) == first)
        #expect(await pattern(seed: 43) != first)
        #expect((150...250).contains(first.count { $0 }))
    }

    @Test("a lapsed lease makes the message visible again while the holder still has it; its ack is then refused")
    func lapsedLease() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let faults = StoreFaults([.lapsedLease(when: .onCall(1))])
        let store = FaultyStore(wrapping: memory, faults: faults)
        try await memory.send(body(1), to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        #expect(first.count == 1)
        #expect(first.first?.expiresAt == clock.now().adding(.seconds(30)))
        let second = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        #expect(second.first?.message.id == first.first?.message.id)
        #expect(second.first?.message.receiveCount == 2)
        if let stale = first.first?.token, let current = second.first?.token {
            #expect(try await store.ack(stale) == .staleLease)
            #expect(try await store.ack(current) == .applied)
        }
        #expect(faults.counts.lapsedLeases == 1)
    }

    @Test("a duplicated lease is delivered again by the next receive; the second settlement is stale")
    func duplicateDelivery() async throws {
        let memory = MemoryQueueStore(clock: ManualClock())
        let faults = StoreFaults([.duplicateDelivery(when: .onCall(1))])
        let store = FaultyStore(wrapping: memory, faults: faults)
        try await memory.send([OutgoingMessage(body: body(1)), OutgoingMessage(body: body(2))], to: "jobs")
        let first = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        let again = try await store.receive(from: "jobs", maxCount: 5, visibilityTimeout: .seconds(30))
        #expect(again.count == 2)
        #expect(again.first?.token == first.first?.token)
        if let token = first.first?.token {
            #expect(try await store.ack(token) == .applied)
            #expect(try await store.ack(token) == .staleLease)
        }
        #expect(faults.counts.duplicatedLeases == 1)
    }

    @Test("an outage fails every call with a retryable error until it is ended; scheduled outages follow the clock")
    func outages() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let faults = StoreFaults(clock: clock, [.outage(from: start.adding(.seconds(10)), until: start.adding(.seconds(20)))])
        let store = FaultyStore(wrapping: MemoryQueueStore(clock: clock), faults: faults)
        faults.beginOutage()
        await #expect { try await store.send(body(1), to: "jobs") } throws: { ($0 as? QueueStoreError)?.kind == .unavailable }
        await #expect(throws: QueueStoreError.self) { _ = try await store.queueNames() }
        faults.endOutage()
        try await store.send(body(1), to: "jobs")

        clock.advance(by: .seconds(10))
        await #expect(throws: QueueStoreError.self) { _ = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(5)) }
        clock.advance(by: .seconds(10))
        #expect(try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(5)).count == 1)
        #expect(faults.counts.outageFailures == 3)
    }

    @Test("latency on a manual clock holds the call until the clock is advanced")
    func latencyOnManualClock() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let store = FaultyStore(
            wrapping: memory, faults: StoreFaults([.latency(.seconds(2), on: clock, of: .send)])
        )
        let sending = Task { _ = try await store.send(Data("{}".utf8), to: "jobs") }
        while clock.sleeperCount == 0 { await Task.yield() }
        #expect(try await memory.stats(for: "jobs").visible == 0)
        clock.advance(by: .seconds(2))
        try await sending.value
        #expect(try await memory.stats(for: "jobs").visible == 1)
    }

    @Test("it wraps SQLite as well: a failed settle applies nothing, and the retry applies it")
    func wrapsSQLite() async throws {
        let clock = ManualClock()
        let sqlite = try await TemporarySQLiteStore(clock: clock)
        let faults = StoreFaults([.failure(.busy, of: .settle, when: .onCall(1))])
        let store = FaultyStore(wrapping: sqlite, faults: faults)
        try await store.send(body(1), to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30))
        let token = try #require(leases.first?.token)
        await #expect(throws: QueueStoreError.self) { _ = try await store.ack(token) }
        #expect(try await sqlite.stats(for: "jobs").inFlight == 1)
        #expect(try await store.ack(token) == .applied)
        #expect(try await sqlite.stats(for: "jobs").total == 0)
        await store.close()
    }
}
