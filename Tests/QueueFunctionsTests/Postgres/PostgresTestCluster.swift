import Foundation
@testable import QueueFunctions
@testable import QueueFunctionsPostgres
#if canImport(Glibc)
import Glibc
#endif

/// Why the test PostgreSQL server could not be had: says what to install or set.
struct PostgresTestClusterError: Error, CustomStringConvertible {
    var description: String
}

/// A private, throwaway PostgreSQL cluster for this test process, started once on first use
/// (`initdb` and `pg_ctl` from the newest `/usr/lib/postgresql/*/bin`, in a temporary folder,
/// on a free 127.0.0.1 port, trust authentication, as the `postgres` user when the tests
/// run as root), unless `QUEUEFUNCTIONS_TEST_POSTGRES_URL` names a server to use instead.
///
/// A watchdog shell stops the cluster and removes its folder within a second of this
/// process ending, however it ends, so the postmaster never outlives the test run.
/// Each test gets a database of its own (``createDatabase()``), so suites run in parallel.
enum PostgresTestCluster {
    /// The variable that names an existing server instead, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
    static let environmentVariable = "QUEUEFUNCTIONS_TEST_POSTGRES_URL"

    private static let server = ServerOnce()

    /// The URL of the cluster's `postgres` database, starting the cluster on first use.
    ///
    /// - Throws: ``PostgresTestClusterError`` when no server binary is installed (saying
    ///   `apt-get install postgresql`) or the cluster does not start.
    static func adminURL() async throws -> String {
        try await server.url()
    }

    /// A new, empty database with a unique name.
    ///
    /// - Returns: Its URL and name.
    static func createDatabase() async throws -> (url: String, name: String) {
        let admin = try await adminURL()
        let name = "qf_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: admin))
            defer { connection.close() }
            // An identifier cannot be a parameter; `name` is made here of hex digits only.
            try connection.execute("CREATE DATABASE \(name)", doing: "creating a test database")
        }
        return (replacingDatabase(in: admin, with: String(name)), String(name))
    }

    /// Drops the database `name`, closing any connection still open to it.
    static func dropDatabase(_ name: String) async {
        guard let admin = try? await adminURL() else { return }
        _ = try? await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: admin))
            defer { connection.close() }
            try connection.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", doing: "dropping a test database")
        }
    }

    /// Runs `sql` as the administrator in the database `name` (for tests that break things).
    static func administer(_ sql: String, in database: String? = nil) async throws {
        let admin = try await adminURL()
        let url = database.map { replacingDatabase(in: admin, with: $0) } ?? admin
        try await offPool {
            let connection = try PostgresConnection(target: try PostgresTarget(url: url))
            defer { connection.close() }
            try connection.execute(sql, doing: "administering the test cluster")
        }
    }

    /// `url` with its path (the database) replaced by `name`.
    static func replacingDatabase(in url: String, with name: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let queryStart = rest[authorityEnd...].firstIndex(of: "?")
        let query = queryStart.map { String(rest[$0...]) } ?? ""
        return String(url[..<authorityEnd]) + "/" + name + query
    }

    // MARK: - Starting the cluster

    private actor ServerOnce {
        private var started: Task<String, any Error>?

        func url() async throws -> String {
            if let started { return try await started.value }
            let task = Task { try await offPool { try PostgresTestCluster.start() } }
            started = task
            return try await task.value
        }
    }

    private static func start() throws -> String {
        if let given = ProcessInfo.processInfo.environment[environmentVariable], !given.isEmpty { return given }
        return try LocalCluster.start().adminURL
    }

    /// A cluster of this test process's own, for a test that restarts or stops its server
    /// (the shared cluster must stay up for the tests running beside it).
    static func startPrivateCluster() async throws -> LocalCluster {
        try await offPool { try LocalCluster.start() }
    }

    /// A cluster started by this process: its URL, and `pg_ctl` to restart or stop it.
    struct LocalCluster: Sendable {
        let adminURL: String
        let bin: String
        let data: String
        let folder: String
        let asRoot: Bool

        /// Restarts the server (`pg_ctl restart -m fast`): every connection is closed.
        func restart() async throws {
            try await offPool {
                try PostgresTestCluster.run(
                    bin + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "restart"],
                    asPostgres: asRoot, log: folder + "/setup.log", doing: "pg_ctl restart"
                )
            }
        }

        /// Stops the server and removes its folder.
        func stop() async {
            _ = try? await offPool {
                try PostgresTestCluster.run(
                    bin + "/pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"],
                    asPostgres: asRoot, log: folder + "/setup.log", doing: "pg_ctl stop"
                )
            }
            try? FileManager.default.removeItem(atPath: folder)
        }

        fileprivate static func start() throws -> LocalCluster {
            try PostgresTestCluster.startLocal()
        }
    }

    fileprivate static func startLocal() throws -> LocalCluster {
        let bin = try serverBinaries()
        let fileManager = FileManager.default
        let folder = fileManager.temporaryDirectory.appendingPathComponent("queuefunctions-pg-\(UUID().uuidString)").path
        let data = folder + "/data"
        try fileManager.createDirectory(atPath: data, withIntermediateDirectories: true)
        try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: data)
        let asRoot = geteuid() == 0
        if asRoot {
            try fileManager.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: data)
        }
        let log = folder + "/setup.log"
        _ = fileManager.createFile(atPath: log, contents: nil)
        if asRoot { try fileManager.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: log) }
        try run(bin + "/initdb", ["-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
                asPostgres: asRoot, log: log, doing: "initdb")
        let port = try freePort()
        let settings = [
            "-p \(port)", "-c listen_addresses=127.0.0.1", "-k \(data)", "-c shared_buffers=16MB",
            "-c max_connections=400", "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
        ].joined(separator: " ")
        try startWatchdog(bin: bin, data: data, folder: folder, asPostgres: asRoot)
        try run(bin + "/pg_ctl", ["-D", data, "-l", data + "/server.log", "-w", "-t", "60", "-o", settings, "start"],
                asPostgres: asRoot, log: log, doing: "pg_ctl start")
        return LocalCluster(
            adminURL: "postgres://postgres@127.0.0.1:\(port)/postgres", bin: bin, data: data, folder: folder, asRoot: asRoot
        )
    }

    /// The newest `/usr/lib/postgresql/N/bin` holding `initdb` and `pg_ctl`.
    private static func serverBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/initdb") }
            .sorted { (Int($0.split(separator: ".").first ?? "") ?? 0) < (Int($1.split(separator: ".").first ?? "") ?? 0) }
        guard let newest = versions.last else {
            throw PostgresTestClusterError(description:
                "the PostgreSQL tests need a PostgreSQL server: no initdb in \(root)/*/bin. "
                    + "Install it with `apt-get install postgresql` (.ci/run does), "
                    + "or set \(environmentVariable) to the URL of a server the tests may create databases on"
            )
        }
        return "\(root)/\(newest)/bin"
    }

    /// Stops the cluster and removes its folder once this process has gone.
    private static func startWatchdog(bin: String, data: String, folder: String, asPostgres: Bool) throws {
        let stop = asPostgres
            ? "/usr/sbin/runuser -u postgres -- \(bin)/pg_ctl -D \(data) -m immediate -w stop"
            : "\(bin)/pg_ctl -D \(data) -m immediate -w stop"
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf \(folder)"
        _ = try spawn("/usr/bin/setsid", ["/bin/sh", "-c", script], output: "/dev/null")
    }

    /// Runs `executable` (as the `postgres` user when `asPostgres`) and waits for it.
    ///
    /// posix_spawn and waitpid rather than Foundation's `Process`, whose `waitUntilExit`
    /// does not return on Linux while a daemon that `pg_ctl start` leaves behind holds on.
    fileprivate static func run(_ executable: String, _ arguments: [String], asPostgres: Bool, log: String, doing: String) throws {
        let pid = asPostgres
            ? try spawn("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments, output: log)
            : try spawn(executable, arguments, output: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status >> 8) & 0xFF
        guard status & 0x7F == 0, exitCode == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw PostgresTestClusterError(description: "\(doing) failed (status \(status)): \(text.suffix(2000))")
        }
    }

    /// Starts `executable` with stdin from /dev/null, stdout and stderr appended to `output`,
    /// and no other descriptor of this process.
    private static func spawn(_ executable: String, _ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process reaches the server or the watchdog: a pipe another
        // test opened at the same moment (a browser's output, say) would otherwise stay open
        // in these long-lived processes, and that test would wait for its end forever.
        closeInheritedDescriptors(&actions)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else {
            throw PostgresTestClusterError(description: "cannot start \(executable): error \(code)")
        }
        return pid
    }

    /// Asks the spawn to close every descriptor from 3 up, with glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; looked up at run time,
    /// as Swift's Glibc module does not export it). Older C libraries skip it.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresTestClusterError(description: "socket() failed: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw PostgresTestClusterError(description: "bind() failed: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A PostgreSQL store in a database of its own, dropped when the store is closed, with the
/// host's (manual) clock as its time source: lets the conformance suite drive time.
final class TemporaryPostgresStore: ForwardingQueueStore {
    let store: PostgresQueueStore
    let database: String
    let url: String

    init(clock: any HostClock, connections: Int = 2) async throws {
        let created = try await PostgresTestCluster.createDatabase()
        database = created.name
        url = created.url
        do {
            store = try await PostgresQueueStore(url: created.url, options: .init(connections: connections, time: .clock(clock)))
        } catch {
            await PostgresTestCluster.dropDatabase(created.name)
            throw error
        }
    }

    /// Every call but close goes to the store itself (its lanes and prefetch included).
    var base: any QueueStore { store }

    func close() async {
        await store.close()
        await PostgresTestCluster.dropDatabase(database)
    }
}

extension TemporaryPostgresStore: DeduplicatingQueueStore, HostRegistry {
    func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration
    ) async throws -> SendReceipt {
        try await store.send(message, to: queue, deduplicationKey: key, window: window)
    }

    func heartbeat(_ host: HostRecord) async throws { try await store.heartbeat(host) }
    func hosts(seenWithin window: Duration) async throws -> [HostRecord] { try await store.hosts(seenWithin: window) }
    func removeHost(id: String) async throws { try await store.removeHost(id: id) }
}

extension TemporaryPostgresStore: TransactionalOutboxStore {
    func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        try await store.settle(settlements, outbox: outbox, thenReceiveFrom: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }
}
