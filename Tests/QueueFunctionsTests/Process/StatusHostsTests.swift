import Foundation
import Testing

extension ProcessTests {
    /// `status` lists every host that serves the store, whatever its port.
    @Suite("status lists live hosts")
    struct StatusHostsTests {
        @Test("two hosts on one SQLite file: status --json lists both with their addresses, without --port", .timeLimit(.minutes(5)))
        func statusListsBothHosts() async throws {
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let first = try sandbox.startHost()
                defer { first.killIfRunning() }
                let second = try sandbox.startHost()
                defer { second.killIfRunning() }
                let hosts = try await poll("both hosts in status --json", within: .seconds(60), every: .milliseconds(200)) { () -> [[String: Any]]? in
                    let run = try await sandbox.cli("status", "--json")
                    guard run.exitCode == 0,
                          let root = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                          let hosts = root["hosts"] as? [[String: Any]], hosts.count == 2,
                          root["host_reachable"] as? Bool == true else { return nil }
                    return hosts
                }
                let addresses = Set(hosts.compactMap { $0["address"] as? String })
                #expect(addresses.count == 2, "each host names its own gateway: \(hosts)")
                #expect(addresses.allSatisfy { $0.hasPrefix("http://127.0.0.1:") })
                first.send(SIGTERM)
                second.send(SIGTERM)
                #expect(try await first.waitForEnd(within: .seconds(25)) == .exited(0))
                #expect(try await second.waitForEnd(within: .seconds(25)) == .exited(0))
                let after = try await sandbox.cli("status", "--json")
                let root = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])
                #expect((root["hosts"] as? [Any])?.isEmpty == true, "stopped hosts leave the list")
            }
        }
    }
}
