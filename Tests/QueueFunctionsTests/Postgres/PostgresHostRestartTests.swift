import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// `pg_ctl restart` under two running hosts (real clock, the dispatcher, the receiver's
/// lanes): they recover by themselves and every message sent is handled.
@Suite("PostgreSQL server restart under running hosts")
struct PostgresHostRestartTests {
    @Test("2 hosts handle 6,000 messages while the server restarts mid-run: none lost, no fatal stop")
    func hostsRecoverFromRestart() async throws {
        let cluster = try await PostgresTestCluster.startPrivateCluster()
        do {
            let producer = try await PostgresQueueStore(url: cluster.adminURL, options: .init(connections: 2))
            let log = BatchLog()
            var hosts: [(FunctionHost, Task<Void, Never>, PostgresQueueStore)] = []
            for _ in 0..<2 {
                let store = try await PostgresQueueStore(url: cluster.adminURL, options: .init(connections: 3))
                var registry = FunctionRegistry()
                registry.register("Logged", BatchLogFunction(log: log))
                let function = FunctionConfig(
                    name: "under-test", handler: "Logged", trigger: TriggerConfig(queue: "jobs"),
                    retry: RetryPolicy(initialDelay: .milliseconds(100), jitter: 0), scale: ScaleConfig(minWorkers: 3, maxWorkers: 3)
                )
                let manifest = Manifest(queues: [QueueConfig(name: "jobs", maxReceiveCount: 100, visibilityTimeout: .seconds(5)),
                                                 QueueConfig(name: "jobs-dlq")], functions: [function])
                let host = try FunctionHost(manifest: manifest, registry: registry, store: store, logger: QueueLogger(level: .error))
                host.startFixedPools()
                hosts.append((host, Task { await host.run() }, store))
            }
            try await producer.send(numberedMessages(0..<5_000), to: "jobs")
            _ = try await poll("the hosts to start handling", within: .seconds(30)) { log.handled.count > 100 ? true : nil }
            let handledBeforeRestart = log.handled.count
            try await cluster.restart()
            // Sends during the recovery are retried by the producer, as a client would.
            for chunk in stride(from: 5_000, to: 6_000, by: 100) {
                _ = try await poll("a send after the restart", within: .seconds(30), every: .milliseconds(50)) { () async throws -> Bool? in
                    do {
                        try await producer.send(numberedMessages(chunk..<chunk + 100), to: "jobs")
                        return true
                    } catch let error as QueueStoreError where error.isRetryable {
                        return nil
                    }
                }
            }
            _ = try await poll("every message to be handled", within: .seconds(90), every: .milliseconds(100)) {
                log.handled.count == 6_000 ? true : nil
            }
            let stats = try await poll("the queue to empty", within: .seconds(60), every: .milliseconds(100)) { () async throws -> QueueStats? in
                guard let stats = try? await producer.stats(for: "jobs"), stats.total == 0 else { return nil }
                return stats
            }
            #expect(stats.total == 0)
            print("PostgreSQL host restart: \(handledBeforeRestart) of 5,000 handled when the restart began")
            #expect(Set(log.handled.keys) == Set((0..<6_000).map { "\($0)" }))
            #expect(try await producer.stats(for: "jobs-dlq").total == 0)
            for (host, run, store) in hosts {
                // Neither host stopped on its own: the restart was retryable for both.
                #expect(host.runners.allSatisfy { $0.activeWorkerCount == 3 })
                host.stop()
                await run.value
                await store.close()
            }
            await producer.close()
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
