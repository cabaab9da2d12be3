import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server of the `hosts` suite: the one named by
/// ``BenchEngine/postgresVariable``, or a private throwaway cluster started here
/// (`initdb` and `pg_ctl` from the newest `/usr/lib/postgresql/*/bin`, in a temporary
/// folder, on a free 127.0.0.1 port, trust authentication, as the `postgres` user when
/// run as root) with the server's default settings, as the anchor's cluster has.
struct BenchPostgresCluster: Sendable {
    /// A URL of the `postgres` database, whose user may create databases.
    let adminURL: String
    private let stopCommand: [String]?
    private let folder: String?

    /// The server named by the environment, or a fresh private cluster.
    ///
    /// - Throws: ``BenchmarkError`` saying what to install or set when no server can be had.
    static func start() throws -> BenchPostgresCluster {
        if let given = ProcessInfo.processInfo.environment[BenchEngine.postgresVariable], !given.isEmpty {
            return BenchPostgresCluster(adminURL: given, stopCommand: nil, folder: nil)
        }
        let bin = try serverBinaries()
        let manager = FileManager.default
        let folder = manager.temporaryDirectory.appendingPathComponent("queuebench-pg-\(UUID().uuidString)").path
        let data = folder + "/data"
        try manager.createDirectory(atPath: data, withIntermediateDirectories: true)
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: data)
        let asRoot = geteuid() == 0
        let log = folder + "/setup.log"
        _ = manager.createFile(atPath: log, contents: nil)
        if asRoot {
            try manager.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: data)
            try manager.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: log)
        }
        let wrap: ([String]) -> [String] = { asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + $0 : $0 }
        try run(wrap([bin + "/initdb", "-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8"]), log: log, doing: "initdb")
        let port = try freePort()
        let settings = "-p \(port) -c listen_addresses=127.0.0.1 -k \(data) -c max_connections=200"
        try run(wrap([bin + "/pg_ctl", "-D", data, "-l", data + "/server.log", "-w", "-t", "60", "-o", settings, "start"]),
                log: log, doing: "pg_ctl start")
        return BenchPostgresCluster(
            adminURL: "postgres://postgres@127.0.0.1:\(port)/postgres",
            stopCommand: wrap([bin + "/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"]), folder: folder
        )
    }

    /// Stops a cluster started here and removes its folder; leaves a given server alone.
    func stop() {
        if let stopCommand, let folder {
            try? Self.run(stopCommand, log: folder + "/setup.log", doing: "pg_ctl stop")
        }
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    private static func serverBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/initdb") }
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        guard let newest = versions.last else {
            throw BenchmarkError("the hosts suite needs PostgreSQL: no initdb in \(root)/*/bin; install it "
                + "(`apt-get install postgresql`) or set \(BenchEngine.postgresVariable) to a server's URL")
        }
        return "\(root)/\(newest)/bin"
    }

    /// Runs `command` with its output appended to `log`, and waits for it: posix_spawn and
    /// waitpid, since Foundation's `Process` waits on the daemon `pg_ctl start` leaves behind.
    private static func run(_ command: [String], log: String, doing: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard code == 0 else { throw BenchmarkError("\(doing): cannot start \(command[0]) (error \(code))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw BenchmarkError("\(doing) failed (status \(status)): \(text.suffix(2_000))")
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("socket() failed: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchmarkError("bind() failed: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
