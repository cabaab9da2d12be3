import QueueFunctions
import Foundation

/// What the ``Simulator`` measured: one ``Run`` per scaling strategy, side by side.
///
/// JSON keys are snake_case and stable (see ``json()``); times are in seconds.
public struct SimulationReport: Codable, Sendable, Equatable {
    /// One strategy's results.
    public struct Run: Codable, Sendable, Equatable {
        /// `autoscaled`, `fixed_min` or `fixed_max`.
        public var name: String
        /// The worker range (`0…16`) or fixed count (`16`).
        public var workers: String
        /// Time workers were alive, summed (pay-per-use cost), from the start until the
        /// last message finished.
        public var workerSeconds: Double
        /// Wait from send to the first handler start: median, in seconds.
        public var waitP50: Double
        /// 95th percentile wait, in seconds.
        public var waitP95: Double
        /// 99th percentile wait, in seconds.
        public var waitP99: Double
        /// Longest wait, in seconds.
        public var waitMax: Double
        /// Most messages accepted and not yet finished (visible + delayed + in flight) at once.
        public var peakBacklog: Int
        /// Most workers alive at once.
        public var peakWorkers: Int
        /// When the last message finished (handled or dead-lettered), in seconds from the start.
        public var drainTime: Double
        /// Messages handled successfully.
        public var handled: Int
        /// Messages moved to the dead-letter queue.
        public var deadLettered: Int
        /// Worker-count changes made by the autoscaler.
        public var scalingChanges: Int
        /// Virtual-time steps the simulation took.
        public var steps: Int
        /// Failed deliveries that were retried.
        public var retried: Int
        /// Store calls the host made, when the workload injects store faults.
        public var storeCalls: Int?
        /// Store calls that failed by an injected fault (outages included), when it injects any.
        public var storeFailures: Int?
        /// Leases made to lapse early, when the workload injects store faults.
        public var lapsedLeases: Int?

        /// Creates a run's results.
        public init(
            name: String, workers: String, workerSeconds: Double, waitP50: Double, waitP95: Double, waitP99: Double,
            waitMax: Double, peakBacklog: Int, peakWorkers: Int, drainTime: Double, handled: Int, deadLettered: Int,
            scalingChanges: Int, steps: Int, retried: Int = 0
        ) {
            self.retried = retried
            self.name = name
            self.workers = workers
            self.workerSeconds = workerSeconds
            self.waitP50 = waitP50
            self.waitP95 = waitP95
            self.waitP99 = waitP99
            self.waitMax = waitMax
            self.peakBacklog = peakBacklog
            self.peakWorkers = peakWorkers
            self.drainTime = drainTime
            self.handled = handled
            self.deadLettered = deadLettered
            self.scalingChanges = scalingChanges
            self.steps = steps
        }

        enum CodingKeys: String, CodingKey {
            case name, workers, handled, steps, retried
            case workerSeconds = "worker_seconds"
            case waitP50 = "wait_p50"
            case waitP95 = "wait_p95"
            case waitP99 = "wait_p99"
            case waitMax = "wait_max"
            case peakBacklog = "peak_backlog"
            case peakWorkers = "peak_workers"
            case drainTime = "drain_time"
            case deadLettered = "dead_lettered"
            case scalingChanges = "scaling_changes"
            case storeCalls = "store_calls"
            case storeFailures = "store_failures"
            case lapsedLeases = "lapsed_leases"
        }
    }

    /// The workload's name.
    public var workload: String
    /// Messages the workload sent.
    public var messages: Int
    /// The simulated function's name.
    public var function: String
    /// Its batch size.
    public var batchSize: Int
    /// The handler's duration per message, as written (`fixed 100ms`).
    public var handlerDuration: String
    /// The runs: autoscaled, fixed pool of min workers, fixed pool of max workers.
    public var runs: [Run]

    /// Creates a report.
    public init(workload: String, messages: Int, function: String, batchSize: Int, handlerDuration: String, runs: [Run]) {
        self.workload = workload
        self.messages = messages
        self.function = function
        self.batchSize = batchSize
        self.handlerDuration = handlerDuration
        self.runs = runs
    }

    enum CodingKeys: String, CodingKey {
        case workload, messages, function, runs
        case batchSize = "batch_size"
        case handlerDuration = "handler_duration"
    }

    /// The name of the run of the fixed maximum pool without the dependency's breaker.
    public static let noBreakerRun = "fixed_max_no_breaker"

    /// The run named `name` (`autoscaled`, `fixed_min`, `fixed_max`, `fixed_max_no_breaker`).
    public func run(named name: String) -> Run? {
        runs.first { $0.name == name }
    }

    /// The report as pretty-printed JSON with sorted keys.
    ///
    /// - Throws: An `EncodingError` if a number cannot be encoded (it cannot, for a finished run).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The report as a table for people.
    public func table() -> String {
        let comparesBreaker = run(named: Self.noBreakerRun) != nil
        let header = ["", "autoscaled", "fixed min", "fixed max"] + (comparesBreaker ? ["no breaker"] : [])
        let ordered = (["autoscaled", "fixed_min", "fixed_max"] + (comparesBreaker ? [Self.noBreakerRun] : [])).map { run(named: $0) }
        func row(_ label: String, _ value: (Run) -> String) -> [String] {
            [label] + ordered.map { $0.map(value) ?? "-" }
        }
        let rows = [
            header,
            row("workers") { $0.workers },
            row("worker-seconds") { String(format: "%.1f", $0.workerSeconds) },
            row("wait p50") { Self.seconds($0.waitP50) },
            row("wait p95") { Self.seconds($0.waitP95) },
            row("wait p99") { Self.seconds($0.waitP99) },
            row("wait max") { Self.seconds($0.waitMax) },
            row("peak backlog") { "\($0.peakBacklog)" },
            row("peak workers") { "\($0.peakWorkers)" },
            row("drain time") { Self.seconds($0.drainTime) },
            row("handled") { "\($0.handled)" },
            row("retries burned") { "\($0.retried)" },
            row("dead-lettered") { "\($0.deadLettered)" },
            row("scaling changes") { "\($0.scalingChanges)" },
        ] + (runs.contains { $0.storeCalls != nil } ? [
            row("store calls") { $0.storeCalls.map(String.init) ?? "-" },
            row("store failures") { $0.storeFailures.map(String.init) ?? "-" },
            row("lapsed leases") { $0.lapsedLeases.map(String.init) ?? "-" },
        ] : [])
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { cells in
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "   ")
        }
        let title = "workload \(workload): \(messages) messages, function \(function) (batch \(batchSize), handler \(handlerDuration) per message)"
        return ([title, ""] + lines).joined(separator: "\n")
    }

    static func seconds(_ value: Double) -> String {
        if value < 1 { return String(format: "%.0f ms", value * 1000) }
        return String(format: "%.2f s", value)
    }
}
