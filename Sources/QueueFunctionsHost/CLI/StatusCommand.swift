import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `status`: per queue counts from the store, per function settings and, when a host
/// is serving, its live workers and counters.
enum StatusCommand {
    struct Report: Encodable {
        var store: String
        var hostReachable: Bool
        var hosts: [HostRecord]
        var queues: [QueueRow]
        var functions: [FunctionRow]
        var topics: [TopicRow] = []

        enum CodingKeys: String, CodingKey {
            case store, hosts, queues, functions, topics
            case hostReachable = "host_reachable"
        }
    }

    struct QueueRow: Encodable {
        var name: String
        var visible: Int
        var delayed: Int
        var inFlight: Int
        var deadLettered: Int
        /// Of `delayed`, the messages never delivered yet (sent with --at or --delay).
        var scheduled: Int
        /// The queue's delivery settings.
        var fifo: Bool
        var defaultPriority: Int
        var oldestAgeSeconds: Double
        var deadLetterQueue: String?

        enum CodingKeys: String, CodingKey {
            case name, visible, delayed, scheduled, fifo
            case inFlight = "in_flight"
            case defaultPriority = "default_priority"
            case deadLettered = "dead_lettered"
            case oldestAgeSeconds = "oldest_age_seconds"
            case deadLetterQueue = "dead_letter_queue"
        }
    }

    struct FunctionRow: Encodable {
        var name: String
        var handler: String
        var queue: String
        var batchSize: Int
        var minWorkers: Int
        var maxWorkers: Int
        var live: HostFunctionStatus?

        enum CodingKeys: String, CodingKey {
            case name, handler, queue, live
            case batchSize = "batch_size"
            case minWorkers = "min_workers"
            case maxWorkers = "max_workers"
        }
    }

    static func run(_ context: CommandContext) async throws {
        _ = try context.integer("--port", in: InputLimits.port)
        let manifest = try context.loadManifest()
        let location = try context.storeLocation()
        let store = try await context.openStore()
        let now = Date()
        var queues: [QueueRow] = []
        do {
            for queue in manifest.queues {
                let stats = try await store.stats(for: queue.name)
                queues.append(QueueRow(
                    name: queue.name, visible: stats.visible, delayed: stats.delayed, inFlight: stats.inFlight,
                    deadLettered: stats.deadLettered, scheduled: stats.scheduled, fifo: queue.delivery.fifo,
                    defaultPriority: queue.delivery.defaultPriority, oldestAgeSeconds: stats.oldestAge(at: now).timeInterval,
                    deadLetterQueue: queue.deadLetterQueue
                ))
            }
        } catch {
            await store.close()
            throw CommandError.failed("reading the store failed: \(error)")
        }
        // Every host serving the store beats into it; without one, ask the host on --port.
        let hosts = (try? await (store as? any HostRegistry)?.hosts(seenWithin: HostHeartbeat.liveWindow)) ?? []
        await store.close()
        let live = hosts.isEmpty ? await HostStatusProbe.fetch(context: context) : HostFunctionStatus.sum(of: hosts)
        let functions = manifest.functions.map { function in
            FunctionRow(
                name: function.name, handler: function.handler, queue: function.trigger.queue,
                batchSize: function.trigger.batchSize, minWorkers: function.scale.minWorkers,
                maxWorkers: function.scale.maxWorkers, live: live?[function.name]
            )
        }
        var report = Report(
            store: location.description, hostReachable: live != nil, hosts: hosts, queues: queues, functions: functions
        )
        report.topics = TopicRow.rows(of: manifest)
        if context.wantsJSON {
            try context.printJSON(report)
        } else {
            printTables(report, context: context)
        }
    }

    private static func printTables(_ report: Report, context: CommandContext) {
        var queues = TextTable(["QUEUE", "VISIBLE", "DELAYED", "SCHEDULED", "IN FLIGHT", "DEAD-LETTERED", "OLDEST"])
        for row in report.queues {
            let name = row.name + (row.fifo ? " (fifo)" : "") + (row.defaultPriority > 0 ? " (priority \(row.defaultPriority))" : "")
            queues.add([name, "\(row.visible)", "\(row.delayed)", "\(row.scheduled)", "\(row.inFlight)", "\(row.deadLettered)",
                        row.visible + row.delayed + row.inFlight == 0 ? "-" : DurationText.format(.seconds(Int(row.oldestAgeSeconds)))])
        }
        context.output.line("store: \(report.store)")
        context.output.line("")
        context.output.line(queues.render())
        context.output.line("")
        var functions = TextTable(["FUNCTION", "QUEUE", "WORKERS", "INVOCATIONS", "SUCCEEDED", "RETRIED", "DEAD-LETTERED"])
        for row in report.functions {
            if let live = row.live {
                functions.add([row.name, row.queue, "\(live.workers) (want \(live.desiredWorkers), \(row.minWorkers)…\(row.maxWorkers))",
                               "\(live.invocations)", "\(live.succeeded)", "\(live.retried)", "\(live.deadLettered)"])
            } else {
                functions.add([row.name, row.queue, "- (\(row.minWorkers)…\(row.maxWorkers))", "-", "-", "-", "-"])
            }
        }
        context.output.line(functions.render())
        printTopics(report.topics, context: context)
        if !report.hosts.isEmpty {
            var hosts = TextTable(["HOST", "MACHINE", "PID", "ADDRESS", "WORKERS", "UP SINCE"])
            for host in report.hosts {
                hosts.add([String(host.id.prefix(8)), host.machine, "\(host.pid)", host.address ?? "-", "\(host.workers)",
                           LogFormat.timestamp(host.startedAt)])
            }
            context.output.line("")
            context.output.line(hosts.render())
        }
        let problems = report.functions.flatMap { row in (row.live?.problems ?? []).map { "\(row.name): \($0)" } }
        if !problems.isEmpty {
            context.output.line("")
            for problem in problems { context.output.line(problem) }
        }
        if !report.hostReachable {
            context.output.line("")
            context.output.line("no host is serving on port \(context.arguments.value("--port") ?? "7071"): worker counts are shown while one runs")
        }
    }
}

/// A function's live numbers as a running host reports them (the heartbeat's and `/api/functions`' shape).
typealias HostFunctionStatus = HostRecord.FunctionStatus

extension HostFunctionStatus {
    /// Each function's numbers added up over `hosts`.
    static func sum(of hosts: [HostRecord]) -> [String: HostFunctionStatus] {
        var total: [String: HostFunctionStatus] = [:]
        for host in hosts {
            for (name, status) in host.functions {
                var sum = total[name] ?? HostFunctionStatus(workers: 0, desiredWorkers: 0, invocations: 0, succeeded: 0,
                                                            retried: 0, deadLettered: 0)
                sum.workers += status.workers
                sum.desiredWorkers += status.desiredWorkers
                sum.invocations += status.invocations
                sum.succeeded += status.succeeded
                sum.retried += status.retried
                sum.deadLettered += status.deadLettered
                let problems = (status.problems ?? []).map { "\(host.machine):\(host.pid): \($0)" }
                if !problems.isEmpty { sum.problems = (sum.problems ?? []) + problems }
                total[name] = sum
            }
        }
        return total
    }
}

/// Asks a running host for its functions' live numbers: `GET /api/functions` on
/// `--bind` (default `127.0.0.1`) and `--port` (default 7071), with the admin token
/// from `--admin-token` or `QUEUEFUNCTIONS_ADMIN_TOKEN` when given. Gives up after
/// ``timeout``; the request runs on URLSession's own threads, not the cooperative pool.
enum HostStatusProbe {
    /// How long to wait for the host.
    static let timeout: TimeInterval = 1.5

    /// The live numbers by function name, or nil when no host answers.
    static func fetch(context: CommandContext) async -> [String: HostFunctionStatus]? {
        guard let url = url(context) else { return nil }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        let token = context.arguments.value("--admin-token") ?? context.environment["QUEUEFUNCTIONS_ADMIN_TOKEN"]
        if let token, !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let body: Data? = await withCheckedContinuation { continuation in
            session.dataTask(with: request) { data, response, _ in
                let status = (response as? HTTPURLResponse)?.statusCode
                continuation.resume(returning: status == 200 ? data : nil)
            }.resume()
        }
        guard let body, let listing = try? JSONDecoder().decode(Listing.self, from: body) else { return nil }
        return Dictionary(listing.functions.map { ($0.name, $0.status) }, uniquingKeysWith: { first, _ in first })
    }

    /// `http://HOST:PORT/api/functions`, with a wildcard bind address replaced by loopback.
    static func url(_ context: CommandContext) -> URL? {
        // Checked by `run` before anything opens, so an invalid value never gets here.
        let port = ((try? context.integer("--port", in: InputLimits.port)) ?? nil) ?? 7071
        var host = context.arguments.value("--bind") ?? "127.0.0.1"
        if host == "0.0.0.0" { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return URL(string: "http://\(authority)/api/functions")
    }

    private struct Listing: Decodable {
        var functions: [Named]
    }

    private struct Named: Decodable {
        var name: String
        var status: HostFunctionStatus

        enum CodingKeys: String, CodingKey { case name }

        init(from decoder: any Decoder) throws {
            name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
            status = try HostFunctionStatus(from: decoder)
        }
    }
}
