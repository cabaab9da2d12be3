import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

extension ProcessTests {
    /// Three host processes share one PostgreSQL database; one is killed with -9 and started again.
    @Suite("three hosts on PostgreSQL")
    struct PostgresHostsProcessTests {
        static let messages = 20_000

        @Test("20,000 messages over HTTP to three hosts, one killed -9 and restarted: all handled, none lost, every host did a share",
              .timeLimit(.minutes(10)))
        func threeHostsShareTheQueues() async throws {
            let database = try await PostgresTestCluster.createDatabase()
            try await withSampleHostSandbox { sandbox in
                var manifest = SampleManifest()
                manifest.auditWorkers = 2
                try sandbox.writeManifest(try Self.withAuditRoute(try manifest.json()))
                let store = try await PostgresQueueStore(url: database.url, options: .init(connections: 2))
                func start(_ name: String) throws -> ChildProcess {
                    try sandbox.start(["serve", "--store", database.url, "--manifest", sandbox.manifestPath, "--port", "0"],
                                      name: name, environment: ["SAMPLE_AUDIT_LOG": sandbox.path("\(name).log")])
                }
                var hosts = [try start("host-a"), try start("host-b"), try start("host-c")]
                defer { for host in hosts { host.killIfRunning() } }
                // Every host beats into the database with its address: that is how the test finds their ports.
                let ports = try await poll("three hosts in the registry", within: .seconds(90), every: .milliseconds(200)) {
                    let live = try await store.hosts(seenWithin: HostHeartbeat.liveWindow)
                    let ports = live.compactMap { $0.address.flatMap(Self.port(of:)) }
                    return ports.count == 3 ? ports : nil
                }

                let posting = Posting(ports: ports)
                let senders = ports.enumerated().map { index, port in
                    Task {
                        try await offPool {
                            try Self.post(range: stride(from: index, to: Self.messages, by: 3), preferring: port, posting: posting)
                        }
                    }
                }
                _ = try await poll("a third of the messages handled", within: .seconds(180), every: .milliseconds(100)) {
                    try await Self.handled(in: sandbox).count >= Self.messages / 3 ? true : nil
                }
                // Kill the host with the second port; its senders move on to the others.
                let victimPort = ports[1]
                let victimIndex = try #require(try await Self.hostIndex(of: victimPort, in: store, hosts: hosts))
                posting.alive.withLock { _ = $0.remove(victimPort) }
                hosts[victimIndex].send(SIGKILL)
                #expect(try await hosts[victimIndex].waitForEnd(within: .seconds(10)) == .signalled(SIGKILL))
                hosts.append(try start("host-restarted"))
                for sender in senders { try await sender.value }
                let sent = posting.accepted.withLock { $0 }
                #expect(sent.count == Self.messages, "every event was accepted once, whatever host answered: \(sent.count)")

                _ = try await poll("the queue to drain", within: .seconds(300), every: .milliseconds(250)) {
                    try await store.stats(for: AuditQueue.name).total == 0 ? true : nil
                }
                for host in hosts where host.ending == nil { host.send(SIGTERM) }
                for host in hosts where host.ending == nil {
                    #expect(try await host.waitForEnd(within: .seconds(30)) == .exited(0))
                }

                var all: [AuditLog.Entry] = []
                var shares: [String: Int] = [:]
                for name in ["host-a", "host-b", "host-c", "host-restarted"] {
                    let entries = try await AuditLog(path: sandbox.path("\(name).log")).read().entries
                    shares[name] = entries.count
                    all += entries
                }
                let handled = Set(all.map(\.id))
                let lost = sent.subtracting(handled)
                let unknown = handled.subtracting(sent)
                #expect(lost.isEmpty, "\(lost.count) accepted messages were never handled, e.g. \(lost.prefix(3))")
                #expect(unknown.isEmpty, "\(unknown.count) handled messages no POST was answered for, e.g. \(unknown.prefix(3))")
                // Only what the killed host had leased can run twice: its workers × batch size.
                #expect(all.count - handled.count <= manifest.auditInFlightLimit(prefetch: PostgresQueueStore.prefetchBatches), "\(all.count - handled.count) redeliveries")
                #expect(["host-a", "host-b", "host-c"].allSatisfy { (shares[$0] ?? 0) > 0 }, "every host handled a share: \(shares)")
                #expect(try await store.stats(for: AuditQueue.deadLetterQueue).total == 0)
                await store.close()
            }
            await PostgresTestCluster.dropDatabase(database.name)
        }

        /// The sample manifest with a producer route for the audit queue.
        static func withAuditRoute(_ json: String) throws -> String {
            guard var root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
                throw ProcessTestFailure("the sample manifest is not an object")
            }
            var producers = root["producers"] as? [[String: Any]] ?? []
            producers.append(["type": "http", "route": "POST /audit", "queue": AuditQueue.name])
            root["producers"] = producers
            return String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]), as: UTF8.self)
        }

        static func port(of address: String) -> Int? {
            guard let colon = address.lastIndex(of: ":") else { return nil }
            return Int(address[address.index(after: colon)...].prefix { $0.isNumber })
        }

        /// Which of `hosts` serves `port`, by the pid the registry names.
        static func hostIndex(of port: Int, in store: PostgresQueueStore, hosts: [ChildProcess]) async throws -> Int? {
            let live = try await store.hosts(seenWithin: HostHeartbeat.liveWindow)
            guard let pid = live.first(where: { $0.address.flatMap(port(of:)) == port })?.pid else { return nil }
            return hosts.firstIndex { $0.pid == pid }
        }

        /// Every id in the audit logs so far.
        static func handled(in sandbox: ProcessSandbox) async throws -> Set<String> {
            var ids = Set<String>()
            for name in ["host-a", "host-b", "host-c", "host-restarted"] {
                ids.formUnion(try await AuditLog(path: sandbox.path("\(name).log")).read().ids)
            }
            return ids
        }

        /// Posts the events numbered `range`, to `port` while it is alive, else to another live host;
        /// a refused or broken POST is sent again elsewhere, as a client with retries would.
        static func post(range: StrideTo<Int>, preferring port: Int, posting: Posting) throws {
            for number in range {
                var attempts = 0
                while true {
                    attempts += 1
                    let target = posting.alive.withLock { $0.contains(port) ? port : ($0.sorted().first ?? port) }
                    let body = #"{"kind":"k","subject":"\#(number)"}"#
                    // A POST whose answer was lost with its host may have been stored: the retry carries the
                    // same Idempotency-Key, and the store (shared by the hosts) answers with the original id.
                    if let response = try? Self.request(port: target, body: body, key: "event-\(number)"), response.status == 202,
                       let id = response.json["id"] as? String {
                        posting.accepted.withLock { _ = $0.insert(id) }
                        break
                    }
                    guard attempts < 50 else { throw ProcessTestFailure("event \(number) was refused 50 times") }
                    usleep(20_000)
                }
            }
        }

        static func request(port: Int, body: String, key: String) throws -> HTTPTestResponse {
            let client = try HTTPTestClient(port: port, timeout: 5)
            defer { client.close() }
            try client.send("POST /audit HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Idempotency-Key: \(key)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            return try client.readResponse()
        }
    }
}

/// What the posting threads share: the ports still alive and the ids accepted.
final class Posting: Sendable {
    let alive: Mutex<Set<Int>>
    let accepted = Mutex<Set<String>>([])

    init(ports: [Int]) {
        alive = Mutex(Set(ports))
    }
}
