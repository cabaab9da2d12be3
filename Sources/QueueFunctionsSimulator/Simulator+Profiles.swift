import QueueFunctions
import Foundation

/// `simulate --profiles`: one workload under each platform's scaling and retry rules.
extension Simulator {
    /// The names `--profiles` accepts: the manifest profiles plus `keda` (this runtime's
    /// retries under KEDA's HPA scaling).
    public static let profileNames = PlatformProfile.allNames + ["keda"]

    /// The function and queue a profile runs the workload with: the platform's defaults
    /// (batch size, lease, attempts, retry delay, dead-letter queue, scaling rules), then
    /// the workload's own `function` settings on top.
    ///
    /// - Returns: nil for an unknown name.
    public static func configuration(forProfile name: String, workload: Workload) -> (FunctionConfig, QueueConfig)? {
        let queueName = "simulated"
        var function = FunctionConfig(name: "simulated", handler: "simulated", trigger: TriggerConfig(queue: queueName))
        var queue = QueueConfig(name: queueName, deadLetterQueue: "\(queueName)-dlq", maxReceiveCount: 5,
                                visibilityTimeout: max(.seconds(30), function.timeout * 2))
        let immediate = RetryPolicy(initialDelay: .zero, maxDelay: .zero, multiplier: 1, jitter: 0)
        switch name {
        case "native":
            break
        case "keda":
            function.scale.rules = .keda
            function.scale.targetBacklogPerWorker = 5  // the queue scalers' queueLength
        case "aws-lambda-sqs":
            function.profile = .awsLambdaSQS
            function.scale.rules = .awsLambda
            function.scale.targetBacklogPerWorker = function.trigger.batchSize
            queue.visibilityTimeout = .seconds(30)
        case "azure-storage-queue":
            function.profile = .azureStorageQueue
            function.scale.rules = .azureTargetBased
            function.trigger.batchSize = 16
            function.scale.targetBacklogPerWorker = 24
            function.retry = immediate
            queue.visibilityTimeout = .seconds(600)
            queue.deadLetterQueue = "\(queueName)-poison"
        case "azure-service-bus":
            function.profile = .azureServiceBus
            function.scale.rules = .azureTargetBased
            function.trigger.batchSize = 1
            function.scale.targetBacklogPerWorker = 16
            function.retry = immediate
            queue.visibilityTimeout = .seconds(60)
            queue.maxReceiveCount = 10
            queue.deadLetterQueue = "\(queueName)-deadletter"
        default:
            return nil
        }
        // The workload's timeout, worker range and scale interval apply to every profile;
        // batch size and scaling target stay the platform's (except for native).
        let platform = (function.trigger.batchSize, function.scale.targetBacklogPerWorker)
        function = workload.applying(to: function)
        if name != "native" {
            if name != "aws-lambda-sqs" { function.trigger.batchSize = platform.0 }
            function.scale.targetBacklogPerWorker = name == "aws-lambda-sqs" ? function.trigger.batchSize : platform.1
        }
        function.handler = "simulated"
        if let count = workload.function.maxReceiveCount { queue.maxReceiveCount = count }
        return (function, queue)
    }

    /// Runs `workload` once per profile in `names`, autoscaled by each profile's rules.
    ///
    /// - Throws: ``SimulationError`` for an unknown profile or a run that cannot finish.
    public static func run(workload: Workload, profiles names: [String], host: HostConfig = HostConfig()) async throws -> SimulationReport {
        let arrivals = workload.arrivalOffsets()
        let host = workload.applying(to: host)
        var runs: [SimulationReport.Run] = []
        var batchSizes: [String] = []
        for name in names {
            guard let (function, queue) = configuration(forProfile: name, workload: workload) else {
                let known = profileNames.joined(separator: ", ")
                let guess = Suggestion.closest(to: name, in: profileNames).map { "did you mean '\($0)'? " } ?? ""
                throw SimulationError(description: "unknown profile '\(name)'; \(guess)the profiles are \(known)")
            }
            // No platform has a dependency breaker: the profiles compare their own retry rules without it.
            var run = try await runOnce(
                workload: workload, arrivals: arrivals, function: function, host: host, autoscaled: true, queue: queue, breaker: false
            )
            run.name = name
            run.workers = "\(function.scale.rules) \(function.scale.minWorkers)…\(min(function.scale.maxWorkers, host.maxWorkers))"
            runs.append(run)
            batchSizes.append("\(name) \(function.trigger.batchSize)")
        }
        return SimulationReport(
            workload: workload.name, messages: arrivals.count, function: "simulated", batchSize: runs.isEmpty ? 0 : 10,
            handlerDuration: workload.handlerDuration.summary, runs: runs
        )
    }
}

extension SimulationReport {
    /// The runs side by side, one column per run, for `simulate --profiles`.
    public func profileTable() -> String {
        func row(_ label: String, _ value: (Run) -> String) -> [String] { [label] + runs.map(value) }
        let rows = [
            [""] + runs.map(\.name),
            row("scaling, workers") { $0.workers },
            row("worker-seconds") { String(format: "%.1f", $0.workerSeconds) },
            row("wait p50") { Self.seconds($0.waitP50) },
            row("wait p95") { Self.seconds($0.waitP95) },
            row("wait p99") { Self.seconds($0.waitP99) },
            row("peak workers") { "\($0.peakWorkers)" },
            row("drain time") { Self.seconds($0.drainTime) },
            row("handled") { "\($0.handled)" },
            row("retries") { "\($0.retried)" },
            row("dead-lettered") { "\($0.deadLettered)" },
            row("scaling changes") { "\($0.scalingChanges)" },
        ]
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { cells in
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "   ")
        }
        let title = "workload \(workload): \(messages) messages, handler \(handlerDuration) per message, one column per profile"
        return ([title, ""] + lines).joined(separator: "\n")
    }
}
