import Foundation
import Testing
@testable import QueueFunctions

/// The JSON Schema's maxima are the loader's limits, so an editor refuses what the host refuses.
@Suite("Input limits in the schema")
struct InputLimitsSchemaTests {
    /// The `maximum` of the property `key` of the schema object at `path`.
    static func maximum(_ schema: JSONValue, _ path: [String], _ key: String) -> Double? {
        var current = schema
        for step in path + ["properties", key, "maximum"] {
            guard case .object(let members) = current.kind, let next = members.first(where: { $0.key == step }) else { return nil }
            current = next.value
        }
        guard case .number(let value, _) = current.kind else { return nil }
        return value
    }

    @Test func schemaMaximaAreTheLoaderLimits() throws {
        let schema = try ManifestSchemaTests.schema()
        let host = ["$defs", "host"], queue = ["$defs", "queue"], function = ["$defs", "function"]
        let trigger = function + ["properties", "trigger"], retry = function + ["properties", "retry"]
        let scale = function + ["properties", "scale"]
        let durations: [([String], String, InputRange<Duration>)] = [
            (host, "idle_poll_interval", InputLimits.interval), (host, "shutdown_grace_period", InputLimits.wait),
            (host, "idempotency_window", InputLimits.idempotencyWindow), (queue, "visibility_timeout", InputLimits.visibilityTimeout),
            (trigger, "batching_window", InputLimits.batchingWindow), (function, "timeout", InputLimits.functionTimeout),
            (retry, "initial_delay", InputLimits.retryDelay), (retry, "max_delay", InputLimits.retryDelay),
            (scale, "scale_interval", InputLimits.interval), (scale, "scale_down_stabilization", InputLimits.wait),
        ]
        for (path, key, range) in durations {
            #expect(Self.maximum(schema, path, key) == range.upper.timeInterval, "\(key)")
        }
        let counts: [([String], String, Int)] = [
            (host, "max_workers", InputLimits.mostWorkers), (queue, "max_receive_count", InputLimits.maxReceiveCount.upper),
            (trigger, "batch_size", InputLimits.batchSize.upper), (scale, "min_workers", InputLimits.mostWorkers),
            (scale, "max_workers", InputLimits.mostWorkers), (scale, "max_scale_up_step", InputLimits.mostWorkers),
            (scale, "target_backlog_per_worker", InputLimits.targetBacklogPerWorker.upper),
        ]
        for (path, key, upper) in counts {
            #expect(Self.maximum(schema, path, key) == Double(upper), "\(key)")
        }
        #expect(Self.maximum(schema, retry, "multiplier") == InputLimits.retryMultiplier.upper)
    }
}
