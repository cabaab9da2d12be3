import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHost

extension ProcessTests {
    /// A host whose handlers cannot start backs off instead of spinning.
    @Suite("failing factory")
    struct FailingFactoryProcessTests {
        /// utime + stime of `pid` in clock ticks, from /proc/PID/stat.
        private func cpuTicks(_ pid: Int32) throws -> Int {
            let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            // The command name may hold spaces; the fields after its closing parenthesis do not.
            guard let close = text.lastIndex(of: ")") else { throw ProcessTestFailure("unreadable /proc/\(pid)/stat: \(text)") }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // After the name: state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else {
                throw ProcessTestFailure("unreadable /proc/\(pid)/stat: \(text)")
            }
            return user + system
        }

        @Test("a host whose factory throws, with a backlog of 50, uses under 5% CPU over 10 s", .timeLimit(.minutes(3)))
        func throwingFactoryDoesNotSpin() async throws {
            guard FileManager.default.fileExists(atPath: "/proc/self/stat") else { return }
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let store = try await sandbox.openStore()
                _ = try await AuditQueue.send(50, to: store)
                let host = try sandbox.start(
                    ["serve", "--store", sandbox.store, "--manifest", sandbox.manifestPath, "--port", "0"],
                    name: "serve", environment: ["SAMPLE_FACTORY_FAIL": "1"]
                )
                defer { host.killIfRunning() }
                _ = try await poll("the host to report its failing factory", within: .seconds(60), every: .milliseconds(50),
                                   lastSeen: { (try? await host.output().stderr) ?? "" }) {
                    try await host.output().stderr.contains("handler factory failed") ? true : nil
                }
                let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
                let before = try cpuTicks(host.pid)
                let wallStart = ContinuousClock.now
                try await Task.sleep(for: .seconds(10))
                let after = try cpuTicks(host.pid)
                let wall = (ContinuousClock.now - wallStart).timeInterval
                let share = Double(after - before) / ticksPerSecond / wall
                let stderr = try await host.output().stderr
                let factoryLines = stderr.components(separatedBy: "\n").filter { $0.contains("handler factory failed") }
                #expect(share < 0.05, "the host used \(Int(share * 100))% of a core with a failing factory; \(factoryLines.count) factory log lines")
                #expect(factoryLines.count < 500, "\(factoryLines.count) factory log lines: the host logs once per backoff step")
                #expect(stderr.contains("cannot start: SAMPLE_FACTORY_FAIL=1"))
                #expect(try await store.stats(for: AuditQueue.name).visible == 50, "nothing was handled or lost")
                host.send(SIGTERM)
                #expect(try await host.waitForEnd(within: .seconds(25)) == .exited(0))
                await store.close()
            }
        }
    }
}
