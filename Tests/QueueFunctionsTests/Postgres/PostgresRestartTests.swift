import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// A server restart under a running store, on a cluster of the test's own.
@Suite("PostgreSQL server restart")
struct PostgresRestartTests {
    @Test("after pg_ctl restart the store reconnects by itself, keeps every message, and wakes waiters across hosts again")
    func restart() async throws {
        let cluster = try await PostgresTestCluster.startPrivateCluster()
        do {
            let producer = try await PostgresQueueStore(url: cluster.adminURL, options: .init(connections: 2))
            let consumer = try await PostgresQueueStore(url: cluster.adminURL, options: .init(connections: 2))
            try await producer.send((0..<50).map { OutgoingMessage(body: Data("\($0)".utf8)) }, to: "jobs")
            let leased = try await consumer.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(60))
            #expect(leased.count == 10)
            try await cluster.restart()
            // Calls fail as retryable until the connections are open again; none is fatal.
            var failures: [QueueStoreError] = []
            let stats = try await poll("the store to answer after the restart", within: .seconds(30), every: .milliseconds(100)) {
                () async throws -> QueueStats? in
                do {
                    return try await consumer.stats(for: "jobs")
                } catch let error as QueueStoreError {
                    failures.append(error)
                    return nil
                }
            }
            #expect(failures.allSatisfy { $0.isRetryable })
            #expect(stats.visible == 40 && stats.inFlight == 10)
            // Leases taken before the restart still settle.
            #expect(try await consumer.settle(leased.map { Settlement($0.token, .ack) }) == Array(repeating: .applied, count: 10))
            _ = try await poll("the listener to reconnect", within: .seconds(30)) { consumer.isListening ? true : nil }
            let deadline = Date().addingTimeInterval(60)
            let waiter = Task { () -> Date in
                while true {
                    await consumer.waitForMessages(on: "later", until: deadline)
                    if Date() >= deadline { return Date() }
                    if try await consumer.stats(for: "later").visible > 0 { return Date() }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            // The producer's own connections were closed by the restart too: retry until it sends.
            let sentAt = try await poll("a send after the restart", within: .seconds(30), every: .milliseconds(100)) {
                () async throws -> Date? in
                do {
                    try await producer.send(Data("wake".utf8), to: "later")
                    return Date()
                } catch let error as QueueStoreError where error.isRetryable {
                    return nil
                }
            }
            let wokeAt = try await waiter.value
            #expect(wokeAt.timeIntervalSince(sentAt) < 10)
            await producer.close()
            await consumer.close()
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
