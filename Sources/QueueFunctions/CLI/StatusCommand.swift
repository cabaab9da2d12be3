import Foundation

/// `status`: per queue counts from the store, per function settings and, when a host
/// is serving, its live workers and counters.
enum StatusCommand {
    struct Report: Encodable {
        var store: String
        var hostReachable: Bool
        var queues: [QueueRow]
        var functions: [FunctionRow]

        enum CodingKeys: String, CodingKey {
            case store, queues, functions
            case hostReachable = "host_reachable"
        }
    }

    struct QueueRow: Encodable {
        var name: String
        var visible: Int
        var delayed: Int
        var inFlight: Int
        var deadLettered: Int
        var oldestAgeSeconds: Double
        var deadLetterQueue: String?

        enum CodingKeys: String, CodingKey {
            case name, visible, delayed
            case inFlight = "in_flight"
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
                    deadLettered: stats.deadLettered, oldestAgeSeconds: stats.oldestAge(at: now).timeInterval,
                    deadLetterQueue: queue.deadLetterQueue
                ))
            }
        } catch {
            await store.close()
            throw CommandError.failed("reading the store failed: \(error)")
        }
        await store.close()
        let live = await HostStatusProbe.fetch(context: context)
        let functions = manifest.functions.map { function in
            FunctionRow(
                name: function.name, handler: function.handler, queue: function.trigger.queue,
                batchSize: function.trigger.batchSize, minWorkers: function.scale.minWorkers,
                maxWorkers: function.scale.maxWorkers, live: live?[function.name]
            )
        }
        let report = Report(store: location.description, hostReachable: live != nil, queues: queues, functions: functions)
        if context.wantsJSON {
            try context.printJSON(report)
        } else {
            printTables(report, context: context)
        }
    }

    private static func printTables(_ report: Report, context: CommandContext) {
        var queues = TextTable(["QUEUE", "VISIBLE", "DELAYED", "IN FLIGHT", "DEAD-LETTERED", "OLDEST"])
        for row in report.queues {
            queues.add([row.name, "\(row.visible)", "\(row.delayed)", "\(row.inFlight)", "\(row.deadLettered)",
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
        if !report.hostReachable {
            context.output.line("")
            context.output.line("no host is serving on port \(context.arguments.value("--port") ?? "7071"): worker counts are shown while one runs")
        }
    }
}

/// A function's live numbers as a running host reports them.
struct HostFunctionStatus: Codable, Sendable {
    var workers: Int
    var desiredWorkers: Int
    var invocations: Int
    var succeeded: Int
    var retried: Int
    var deadLettered: Int

    enum CodingKeys: String, CodingKey {
        case workers, invocations, succeeded, retried
        case desiredWorkers = "desired_workers"
        case deadLettered = "dead_lettered"
    }
}

/// Asks a running host for its functions' live numbers.
enum HostStatusProbe {
    static func fetch(context: CommandContext) async -> [String: HostFunctionStatus]? {
        nil
    }
}
