import Foundation
import Testing

extension ProcessTests {
    /// SIGHUP makes a running `serve` re-read functions.json.
    @Suite("manifest reload on SIGHUP")
    struct ReloadSignalTests {
        @Test("SIGHUP applies a valid edit and reports an invalid one; the host keeps serving", .timeLimit(.minutes(5)))
        func sighupReloads() async throws {
            try await withSampleHostSandbox { sandbox in
                var manifest = SampleManifest()
                try sandbox.writeManifest(try manifest.json())
                let host = try sandbox.startHost()
                defer { host.killIfRunning() }
                let before = try await sandbox.sendWithCLI(#"{"kind": "k", "subject": "before"}"#, to: "audit-events")
                try await AuditQueue.waitUntilDrained(try await sandbox.openStore(), within: .seconds(60))

                manifest.auditBatchSize = 25
                try sandbox.writeManifest(try manifest.json())
                host.send(SIGHUP)
                try await Task.sleep(for: .milliseconds(500))
                try sandbox.writeManifest(#"{"queues": [], "functions": [{"name": "x"}]}"#)
                host.send(SIGHUP)
                try await Task.sleep(for: .milliseconds(500))
                // The CLI refuses the invalid file too; the test sends through the store.
                let store = try await sandbox.openStore()
                let after = try await store.send(Data(#"{"kind": "k", "subject": "after"}"#.utf8), to: AuditQueue.name).rawValue
                try await AuditQueue.waitUntilDrained(store, within: .seconds(60))

                host.send(SIGTERM)
                #expect(try await host.waitForEnd(within: .seconds(25)) == .exited(0))
                let stderr = try await host.output().stderr
                #expect(stderr.contains("manifest reloaded: changed write-audit-log"), "\(stderr)")
                #expect(stderr.contains("manifest not reloaded"), "\(stderr)")
                let handled = try await sandbox.auditLog.read().ids
                #expect(handled.contains(before) && handled.contains(after), "the host kept serving across both reloads")
            }
        }
    }
}
