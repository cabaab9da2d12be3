import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// Several stores ("hosts") on one database: wake-ups across hosts, leases that hosts
/// respect on the database's clock, and recovery from a lost connection.
@Suite("PostgreSQL sharing and recovery")
struct PostgresSharingTests {
    /// Opens `count` stores on one new database, runs `body`, then closes them and drops it.
    private func withHosts(
        _ count: Int, _ body: ([PostgresQueueStore], String) async throws -> Void
    ) async throws {
        let database = try await PostgresTestCluster.createDatabase()
        var stores: [PostgresQueueStore] = []
        do {
            for _ in 0..<count {
                stores.append(try await PostgresQueueStore(url: database.url, options: .init(connections: 2)))
            }
            try await body(stores, database.name)
        } catch {
            for store in stores { await store.close() }
            await PostgresTestCluster.dropDatabase(database.name)
            throw error
        }
        for store in stores { await store.close() }
        await PostgresTestCluster.dropDatabase(database.name)
    }

    @Test("a send on one host wakes a worker waiting on another host through LISTEN/NOTIFY")
    func wakeAcrossHosts() async throws {
        try await withHosts(2) { stores, _ in
            let (waiting, sending) = (stores[0], stores[1])
            _ = try await poll("the listener to connect", within: .seconds(10)) { waiting.isListening ? true : nil }
            let deadline = Date().addingTimeInterval(60)
            let waiter = Task { () -> Date in
                await waiting.waitForMessages(on: "jobs", until: deadline)
                return Date()
            }
            // Let the waiter find the queue empty and go to sleep on its signal.
            try await Task.sleep(for: .milliseconds(300))
            let sentAt = Date()
            try await sending.send(Data("wake".utf8), to: "jobs")
            let wokeAt = await waiter.value
            // Bounded far below the 60 s deadline: only a notification can wake it this early.
            #expect(wokeAt.timeIntervalSince(sentAt) < 10)
            #expect(try await waiting.receive(from: "jobs", maxCount: 1, visibilityTimeout: .seconds(30)).count == 1)
        }
    }

    @Test("a message leased by one host is not leased by another until the lease lapses on the database's clock")
    func leasesAcrossHosts() async throws {
        try await withHosts(2) { stores, _ in
            try await stores[0].send((0..<20).map { OutgoingMessage(body: Data("\($0)".utf8)) }, to: "jobs")
            let first = try await stores[0].receive(from: "jobs", maxCount: 15, visibilityTimeout: .seconds(30))
            let second = try await stores[1].receive(from: "jobs", maxCount: 15, visibilityTimeout: .seconds(30))
            #expect(first.count == 15 && second.count == 5)
            #expect(Set(first.map(\.message.id)).isDisjoint(with: second.map(\.message.id)))
            #expect(try await stores[1].receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).isEmpty)
            // The lease's expiry comes from the database's clock (on this machine, close to ours).
            let expiry = try #require(first.first?.expiresAt)
            #expect(abs(expiry.timeIntervalSinceNow - 30) < 10)
            let stats = try await stores[1].stats(for: "jobs")
            #expect(stats.inFlight == 20 && stats.visible == 0)
        }
    }

    @Test("a connection killed by the server fails the call as unavailable, then the store recovers by itself")
    func killedConnection() async throws {
        try await withHosts(1) { stores, database in
            let store = stores[0]
            try await store.send((0..<5).map { OutgoingMessage(body: Data("\($0)".utf8)) }, to: "jobs")
            _ = try await poll("the listener to connect", within: .seconds(10)) { store.isListening ? true : nil }
            try await PostgresTestCluster.administer("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = '\(database)' AND pid <> pg_backend_pid()
                """)
            var failures: [QueueStoreError] = []
            var stats: QueueStats?
            for _ in 0..<20 where stats == nil {
                do {
                    stats = try await store.stats(for: "jobs")
                } catch let error as QueueStoreError {
                    failures.append(error)
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(failures.first?.kind == .unavailable)
            #expect(failures.allSatisfy { $0.isRetryable })
            #expect(failures.first?.message.contains("postgres://postgres@127.0.0.1") == true)
            #expect(stats?.visible == 5)
            // The listener reconnects too, and wakes waiters across hosts again.
            _ = try await poll("the listener to reconnect", within: .seconds(20)) { store.isListening ? true : nil }
            #expect(try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).count == 5)
        }
    }

    @Test("purge and redrive of more than one chunk move every message asked for")
    func largePurgeAndRedrive() async throws {
        let clock = ManualClock()
        let store = try await TemporaryPostgresStore(clock: clock)
        let count = 1_200
        try await store.send((0..<count).map { OutgoingMessage(body: Data("\($0)".utf8)) }, to: "jobs")
        var leased: [Lease] = []
        while leased.count < count {
            let batch = try await store.receive(from: "jobs", maxCount: 500, visibilityTimeout: .seconds(30))
            if batch.isEmpty { break }
            leased += batch
        }
        let failure = FailureRecord(attempt: 1, at: clock.now(), error: "bad")
        _ = try await store.settle(leased.map { Settlement($0.token, .deadLetter(queue: "jobs-dlq", failure: failure)) })
        #expect(try await store.stats(for: "jobs").deadLettered == count)
        #expect(try await store.redrive(from: "jobs-dlq", to: nil, limit: 1_100) == 1_100)
        #expect(try await store.stats(for: "jobs").visible == 1_100)
        #expect(try await store.stats(for: "jobs-dlq").visible == 100)
        #expect(try await store.purge("jobs") == 1_100)
        #expect(try await store.stats(for: "jobs").total == 0)
        #expect(try await store.stats(for: "jobs").deadLettered == 100)
        await store.close()
    }
}
