import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

extension ProcessTests {
    /// SIGTERM while messages flow: the host finishes its batches, hands back the rest and
    /// exits 0; nothing is lost and nothing is handled twice.
    @Suite("graceful shutdown")
    struct GracefulShutdownTests {
        @Test("SIGTERM mid-stream exits 0, leaves no lease behind, and loses nothing", .timeLimit(.minutes(5)))
        func sigtermWhileMessagesFlow() async throws {
            try await withSampleHostSandbox { sandbox in
                let manifest = SampleManifest()
                try sandbox.writeManifest(try manifest.json())
                let store = try await sandbox.openStore()
                let backlog = try await AuditQueue.send(2_000, to: store)
                let log = sandbox.auditLog

                let host = try sandbox.startHost()
                defer { host.killIfRunning() }
                // Keep producing while the host works and while it shuts down.
                let producer = Task {
                    var sent: [String: String] = [:]
                    var next = backlog.count
                    while !Task.isCancelled {
                        sent.merge(try await AuditQueue.send(50, from: next, batchSize: 50, to: store)) { first, _ in first }
                        next += 50
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    return sent
                }
                defer { producer.cancel() }
                _ = try await poll("the host to write some of the audit log", within: .seconds(120), every: .milliseconds(10),
                                   lastSeen: { (try? await log.read().summary) ?? "" }) {
                    try await log.read().entries.count >= 200 ? true : nil
                }
                host.send(SIGTERM)
                // The manifest's grace period is 10s; the limit only keeps a hung host from hanging the run.
                let end = try await host.waitForEnd(within: .seconds(25))
                let output = try await host.output()
                #expect(end == .exited(0), "the host did not exit cleanly on SIGTERM:\n\(output.stderr)")
                #expect(output.stderr.contains("host stopped"), "\(output.stderr)")
                producer.cancel()
                let sent = backlog.merging(try await producer.value) { first, _ in first }

                let stopped = try await store.stats(for: AuditQueue.name)
                #expect(stopped.inFlight == 0, "a stopped host left leases to lapse: \(stopped)")
                #expect(stopped.total > 0, "the host handled everything before SIGTERM; nothing was left to hand back")
                let atStop = try await log.read()
                #expect(atStop.duplicates == 0, "messages were handled twice before the restart: \(atStop.summary)")

                let restarted = try sandbox.startHost()
                defer { restarted.killIfRunning() }
                try await AuditQueue.waitUntilDrained(store, within: .seconds(180))
                restarted.send(SIGTERM)
                #expect(try await restarted.waitForEnd(within: .seconds(25)) == .exited(0))

                let after = try await log.read()
                let missing = Set(sent.keys).subtracting(after.ids)
                #expect(missing.isEmpty, "\(missing.count) of \(sent.count) messages never reached the audit log")
                #expect(after.ids.isSubset(of: sent.keys), "the audit log has ids that were never sent")
                #expect(after.duplicates == 0, "a graceful stop made messages be handled twice: \(after.summary)")
                #expect(after.malformed.isEmpty, "\(after.malformed.prefix(5))")
                let dlq = try await store.stats(for: AuditQueue.deadLetterQueue)
                #expect(dlq.total == 0, "\(dlq)")
                await store.close()
            }
        }
    }
}
