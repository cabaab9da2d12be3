import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

extension ProcessTests {
    /// `kill -9` of a host serving from SQLite loses nothing: after a restart every message
    /// is handled, and only what was in flight at the kill is handled twice.
    @Suite("kill -9 survival")
    struct KillSurvivalTests {
        @Test("every message is handled after kill -9 and a restart; only in-flight ones twice", .timeLimit(.minutes(5)))
        func killedHostLosesNothing() async throws {
            try await withSampleHostSandbox { sandbox in
                let manifest = SampleManifest()
                try sandbox.writeManifest(try manifest.json())
                let store = try await sandbox.openStore()
                let sent = try await AuditQueue.send(5_000, to: store)
                let log = sandbox.auditLog

                let first = try sandbox.startHost()
                defer { first.killIfRunning() }
                let before = try await poll("the first host to write some of the audit log", within: .seconds(120),
                                            every: .milliseconds(10), lastSeen: { (try? await log.read().summary) ?? "" }) {
                    let contents = try await log.read()
                    return contents.entries.count >= 200 ? contents : nil
                }
                first.send(SIGKILL)
                #expect(try await first.waitForEnd(within: .seconds(10)) == .signalled(SIGKILL))
                let atKill = try await log.read()
                try #require(atKill.ids.count < sent.count, "the host handled everything before the kill; nothing was tested")
                #expect(atKill.entries.count >= before.entries.count)

                let second = try sandbox.startHost()
                defer { second.killIfRunning() }
                try await AuditQueue.waitUntilDrained(store, within: .seconds(180))
                second.send(SIGTERM)
                let end = try await second.waitForEnd(within: .seconds(20))
                let stderr = try await second.output().stderr
                #expect(end == .exited(0), "the host did not stop cleanly on SIGTERM:\n\(stderr)")

                let after = try await log.read()
                #expect(after.malformed.isEmpty, "torn or foreign lines: \(after.malformed.prefix(5))")
                let missing = Set(sent.keys).subtracting(after.ids)
                #expect(missing.isEmpty, "\(missing.count) of \(sent.count) messages never reached the audit log")
                let foreign = after.ids.subtracting(sent.keys)
                #expect(foreign.isEmpty, "ids that were never sent: \(foreign.prefix(5))")
                let wrongSubjects = after.entries.filter { entry in sent[entry.id].map { $0 != entry.subject } ?? false }
                #expect(wrongSubjects.isEmpty, "lines whose subject is not their message's: \(wrongSubjects.prefix(5))")
                #expect(after.duplicates <= manifest.auditInFlightLimit(prefetch: SQLiteQueueStore.prefetchBatches),
                        "\(after.duplicates) lines were redeliveries; at most \(manifest.auditInFlightLimit(prefetch: SQLiteQueueStore.prefetchBatches)) messages were in flight at the kill")

                let queue = try await store.stats(for: AuditQueue.name)
                let dlq = try await store.stats(for: AuditQueue.deadLetterQueue)
                #expect(queue.total == 0 && queue.deadLettered == 0, "\(queue)")
                #expect(dlq.total == 0, "\(dlq)")
                await store.close()
            }
        }
    }
}
