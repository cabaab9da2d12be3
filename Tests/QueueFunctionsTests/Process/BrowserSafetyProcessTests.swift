import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ProcessTests {
    /// The real host with a browser's worth of trouble: 300 idle sockets held open, a
    /// cross-site POST and a rebound `Host`. The idle sockets are reclaimed so a valid
    /// POST from loopback is still served; the other two are refused and change nothing.
    @Suite("local server with a browser open")
    struct BrowserSafetyProcessTests {
        static let idleSockets = 300

        /// `nil` runs the host with the test's own open-file limit; `256` starts it with a
        /// soft limit of 256 (macOS's default), below what 300 sockets need.
        @Test("300 idle sockets, a cross-site POST and a foreign Host: refused or reclaimed, and a valid POST is served",
              .timeLimit(.minutes(3)), arguments: [nil, 256] as [Int?])
        func idleSocketsCrossSiteAndForeignHost(softFileLimit: Int?) async throws {
            try raiseOpenFileLimit(atLeast: Self.idleSockets + 256)
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let store = try await sandbox.openStore()
                try await store.send([OutgoingMessage(body: Data(#"{"import_id":"i-1","object":"a.csv"}"#.utf8))], to: "import-jobs-dlq")

                // Debug logging, for the "http server listening" line that names the port.
                let serve = ["serve", "--store", sandbox.store, "--manifest", sandbox.manifestPath, "--port", "0", "--log-level", "debug"]
                let host: ChildProcess
                if let softFileLimit {
                    host = try sandbox.startTool(["sh", "-c", "ulimit -S -n \(softFileLimit) && exec \"$0\" \"$@\"",
                                                  sandbox.executable.path] + serve, name: "serve-low-file-limit")
                } else {
                    host = try sandbox.startHost(["--log-level", "debug"])
                }
                defer { host.killIfRunning() }
                let port = try await listeningPort(of: host)

                let outcome = try await offPool { try Self.exercise(port: port) }
                #expect(outcome.valid.status == 202, "the valid POST was not accepted: \(outcome.valid.bodyText)")
                #expect(outcome.valid.json["id"] is String, "\(outcome.valid.bodyText)")
                #expect(outcome.crossSite.status == 403, "\(outcome.crossSite.bodyText)")
                #expect(outcome.crossSiteProducer.status == 403, "\(outcome.crossSiteProducer.bodyText)")
                #expect(outcome.foreignHost.status == 421, "\(outcome.foreignHost.bodyText)")
                #expect(outcome.reclaimed > 0, "no idle socket was closed to make room")

                let dlq = try await store.stats(for: "import-jobs-dlq")
                #expect(dlq.total == 1, "the cross-site POST purged the dead-letter queue: \(dlq)")
                let imports = try await store.stats(for: "import-jobs")
                #expect(imports.total == 0, "a refused POST queued an import: \(imports)")

                host.send(SIGTERM)
                let end = try await host.waitForEnd(within: .seconds(25))
                let output = try await host.output()
                #expect(end == .exited(0), "\(output.stderr)")
                if softFileLimit != nil {
                    #expect(!output.stderr.contains("accept() failed"), "the host ran out of descriptors:\n\(output.stderr.suffix(2000))")
                }
                await store.close()
            }
        }

        struct Outcome: Sendable {
            var valid: HTTPTestResponse
            var crossSite: HTTPTestResponse
            var crossSiteProducer: HTTPTestResponse
            var foreignHost: HTTPTestResponse
            /// How many of the held idle sockets the host closed.
            var reclaimed: Int
        }

        /// Opens and holds the idle sockets (half after one keep-alive request, half silent),
        /// then sends the three requests on fresh connections; closes every socket.
        static func exercise(port: Int) throws -> Outcome {
            var held: [HTTPTestClient] = []
            defer { held.forEach { $0.close() } }
            for index in 0..<idleSockets {
                let client = try HTTPTestClient(port: port, timeout: 5)
                held.append(client)
                if index.isMultiple(of: 2) {
                    try client.send("GET /api/host HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    _ = try client.readResponse()
                }
            }
            let order = #"{"order_id":"o-1","items":{"sku-1":1},"amount":1.5,"email":"a@example.test"}"#
            let valid = try request(port: port, "POST /orders", body: order)
            let crossSite = try request(port: port, "POST /api/dlq/import-jobs/purge",
                                        headers: ["Origin: http://evil.example", "Sec-Fetch-Site: cross-site"])
            let crossSiteProducer = try request(port: port, "POST /imports", headers: ["Origin: http://evil.example", "Content-Type: text/plain"],
                                                body: #"{"import_id":"i-2","object":"b.csv"}"#)
            let foreignHost = try request(port: port, "POST /imports", host: "evil.example:\(port)", body: #"{"import_id":"i-3","object":"c.csv"}"#)
            // The oldest idle sockets were closed to make room; a closed one reads end-of-file.
            let reclaimed = held.prefix(8).filter { (try? $0.serverClosed()) == true }.count
            return Outcome(valid: valid, crossSite: crossSite, crossSiteProducer: crossSiteProducer, foreignHost: foreignHost,
                           reclaimed: reclaimed)
        }

        /// One request on a fresh connection; `Content-Type: application/json` unless `headers` give one.
        static func request(port: Int, _ line: String, host: String = "localhost", headers: [String] = [],
                            body: String = "") throws -> HTTPTestResponse {
            let client = try HTTPTestClient(port: port, timeout: 10)
            defer { client.close() }
            var text = "\(line) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
            if !headers.contains(where: { $0.lowercased().hasPrefix("content-type:") }) { text += "Content-Type: application/json\r\n" }
            for header in headers { text += header + "\r\n" }
            try client.send(text + "\r\n" + body)
            return try client.readResponse()
        }

        /// The port from the host's log line `msg="http server listening" … address=127.0.0.1:PORT`.
        func listeningPort(of host: ChildProcess) async throws -> Int {
            try await poll("the host's 'http server listening' log line", within: .seconds(60), every: .milliseconds(50),
                           lastSeen: { (try? await host.output()).map { $0.stdout + $0.stderr } ?? "" }) {
                if let ending = host.ending { throw ProcessTestFailure("the host ended (\(ending)) before listening") }
                let stderr = try await host.output().stderr
                guard let line = stderr.split(separator: "\n").first(where: { $0.contains("http server listening") }),
                      let range = line.range(of: "address=127.0.0.1:") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
        }

        /// Raises this process's soft open-file limit so the test can hold its sockets.
        func raiseOpenFileLimit(atLeast wanted: Int) throws {
            var limits = rlimit()
            #if os(Linux)
            let resource = Int32(RLIMIT_NOFILE.rawValue)
            #else
            let resource = RLIMIT_NOFILE
            #endif
            guard getrlimit(resource, &limits) == 0 else { throw ProcessTestFailure("getrlimit failed: errno \(errno)") }
            guard limits.rlim_cur < rlim_t(wanted) else { return }
            guard limits.rlim_max >= rlim_t(wanted) else {
                throw ProcessTestFailure("the open-file limit allows \(limits.rlim_max) descriptors; this test needs \(wanted) (ulimit -n)")
            }
            limits.rlim_cur = rlim_t(wanted)
            guard setrlimit(resource, &limits) == 0 else { throw ProcessTestFailure("setrlimit failed: errno \(errno)") }
        }
    }
}
