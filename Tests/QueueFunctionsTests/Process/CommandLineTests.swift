import Foundation
import Testing

extension ProcessTests {
    /// The CLI run as separate processes against the store a host is serving from.
    @Suite("CLI beside a running host")
    struct CommandLineTests {
        @Test("send and status work before and while a host serves the same SQLite file", .timeLimit(.minutes(3)))
        func sendAndStatusBesideHost() async throws {
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let log = sandbox.auditLog

                // No host yet: sent messages wait, and status counts them.
                var early: [String] = []
                for number in 1...3 {
                    early.append(try await sandbox.sendWithCLI(#"{"kind":"early","subject":"\#(number)"}"#))
                }
                #expect(Set(early).count == 3, "send printed the same id twice: \(early)")
                let waiting = try await sandbox.status()
                #expect(waiting.queues[AuditQueue.name] == .init(visible: 3, delayed: 0, inFlight: 0, deadLettered: 0))

                let host = try sandbox.startHost()
                defer { host.killIfRunning() }
                let inline = try await sandbox.sendWithCLI(#"{"kind":"k","subject":"x"}"#)
                let file = try sandbox.write(#"{"kind":"file","subject":"from-file"}"#, to: "event.json")
                let fromFile = try await sandbox.sendWithCLI("@\(file)")

                let handled = try await poll("the five messages in the audit log", within: .seconds(60), every: .milliseconds(100),
                                             lastSeen: { (try? await log.read().summary) ?? "" }) {
                    let contents = try await log.read()
                    return contents.ids.isSuperset(of: early + [inline, fromFile]) ? contents : nil
                }
                let byID = Dictionary(handled.entries.map { ($0.id, $0) }) { first, _ in first }
                #expect(byID[inline] == .init(id: inline, kind: "k", subject: "x"))
                #expect(byID[fromFile] == .init(id: fromFile, kind: "file", subject: "from-file"))
                #expect(early.map { byID[$0]?.subject } == ["1", "2", "3"])

                // Acks follow the writes closely; status sees an empty queue once they land.
                let drained = try await poll("status to show audit-events empty", within: .seconds(30), every: .milliseconds(200)) {
                    let report = try await sandbox.status()
                    return report.queues[AuditQueue.name].flatMap { $0.visible == 0 && $0.inFlight == 0 ? report : nil }
                }
                #expect(drained.queues[AuditQueue.name] == .init(visible: 0, delayed: 0, inFlight: 0, deadLettered: 0))
                #expect(drained.queues.keys.contains("orders"), "status lists every queue of the manifest")

                host.send(SIGTERM)
                #expect(try await host.waitForEnd(within: .seconds(20)) == .exited(0))
            }
        }

        @Test("dlq list, redrive and purge act on messages a host dead-lettered", .timeLimit(.minutes(3)))
        func deadLetterCommands() async throws {
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let host = try sandbox.startHost()
                defer { host.killIfRunning() }
                let nonsense = #"{"nonsense": true}"#
                let ids = [try await sandbox.sendWithCLI(nonsense), try await sandbox.sendWithCLI(nonsense)]

                // An undecodable body is dead-lettered at once, with the decoding error as its reason.
                let listed = try await poll("both messages in the dead-letter queue", within: .seconds(60), every: .milliseconds(200)) {
                    let listed = try await sandbox.deadLetters(of: AuditQueue.name)
                    return Set(listed.map(\.id)) == Set(ids) ? listed : nil
                }
                for entry in listed {
                    #expect(entry.queue == AuditQueue.deadLetterQueue)
                    #expect(entry.sourceQueue == AuditQueue.name)
                    #expect(entry.body == nonsense)
                    #expect(entry.reason?.contains("kind") == true, "the reason should name the missing field: \(entry.reason ?? "none")")
                }
                host.send(SIGTERM)
                #expect(try await host.waitForEnd(within: .seconds(20)) == .exited(0))
                #expect(try await sandbox.auditLog.read().ids.isDisjoint(with: ids), "an undecodable message reached the handler")
                #expect(try await sandbox.status().queues[AuditQueue.name]?.deadLettered == 2)

                let redrive = try await sandbox.cli("dlq", "redrive", AuditQueue.name, "--limit", "1")
                #expect(redrive.exitCode == 0, "\(redrive)")
                #expect(redrive.stdout.contains("moved 1 message"), "\(redrive)")
                #expect(try await sandbox.status().queues[AuditQueue.name] == .init(visible: 1, delayed: 0, inFlight: 0, deadLettered: 1))

                let refused = try await sandbox.cli("dlq", "purge", AuditQueue.name)
                #expect(refused.exitCode == 2, "\(refused)")
                #expect(refused.stderr.contains("--yes"), "\(refused)")
                #expect(try await sandbox.deadLetters(of: AuditQueue.name).count == 1, "purge without --yes deleted something")

                let purge = try await sandbox.cli("dlq", "purge", AuditQueue.name, "--yes")
                #expect(purge.exitCode == 0, "\(purge)")
                #expect(purge.stdout.contains("deleted 1 message"), "\(purge)")
                #expect(try await sandbox.deadLetters(of: AuditQueue.name).isEmpty)
                #expect(try await sandbox.status().queues[AuditQueue.name] == .init(visible: 1, delayed: 0, inFlight: 0, deadLettered: 0))
            }
        }
    }
}
