import Foundation
import Synchronization
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost

/// Sleeps `perMessage` on the context's clock for every message, failing while `failing` is on.
struct SleepingFunction: QueueFunction {
    typealias Message = RawBody
    let perMessage: Duration
    let failing: Switch

    func handle(_ batch: MessageBatch<RawBody>, context: FunctionContext) async throws {
        if failing.isOn { throw HandlerFailure(description: "dependency unavailable") }
        try await context.clock.sleep(for: perMessage * batch.count)
    }
}

/// A one- or many-function manifest for scaling tests, every function running `SleepingFunction`.
enum ScalingFixture {
    static func function(_ name: String, scale: ScaleConfig, batchSize: Int = 10) -> FunctionConfig {
        FunctionConfig(
            name: name, handler: "sleeper", trigger: TriggerConfig(queue: name, batchSize: batchSize),
            timeout: .seconds(30), retry: RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(10), jitter: 0), scale: scale
        )
    }

    static func manifest(_ functions: [FunctionConfig], hostMaxWorkers: Int = 64) -> Manifest {
        let queues = functions.flatMap { function in
            [QueueConfig(name: function.trigger.queue, deadLetterQueue: "\(function.trigger.queue)-dlq", maxReceiveCount: 1_000,
                         visibilityTimeout: .seconds(60)),
             QueueConfig(name: "\(function.trigger.queue)-dlq")]
        }
        return Manifest(queues: queues, functions: functions, host: HostConfig(maxWorkers: hostMaxWorkers))
    }

    static func registry(perMessage: Duration = .milliseconds(100), failing: Switch = Switch(false)) -> FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("sleeper", SleepingFunction(perMessage: perMessage, failing: failing))
        return registry
    }

    static func bodies(_ count: Int) -> [Data] {
        (0..<count).map { Data("\($0)".utf8) }
    }
}

extension VirtualHost {
    /// Active workers of the function named `name`.
    func workers(_ name: String) -> Int {
        host.runner(named: name)?.activeWorkerCount ?? -1
    }

    /// Metrics of the function named `name`.
    func metrics(_ name: String) -> FunctionMetrics.Snapshot {
        host.runner(named: name)?.metrics.snapshot ?? FunctionMetrics.Snapshot()
    }
}
