import Foundation

/// A copy of the repo's `functions.json` tuned for a test: every handler SampleHost
/// registers is still used (the validator insists), the other functions get one worker,
/// and `write-audit-log` gets the visibility timeout, workers and batch size the test needs.
struct SampleManifest {
    /// `audit-events` visibility timeout: short, so a killed host's leases lapse soon.
    var auditVisibilityTimeout = "4s"
    /// `write-audit-log` timeout; generous, so a slow disk does not turn into retries.
    var auditTimeout = "3s"
    /// `write-audit-log` workers (the host runs `max_workers` of them).
    var auditWorkers = 4
    /// `write-audit-log` batch size.
    var auditBatchSize = 10
    /// How often idle workers look for messages sent by other processes.
    var idlePollInterval = "100ms"
    /// How long a stopping host lets in-flight batches finish.
    var shutdownGracePeriod = "10s"

    /// The most messages `write-audit-log` can hold at once on a store whose receiver
    /// leases `prefetch` batches ahead per worker: what a kill may redeliver.
    func auditInFlightLimit(prefetch: Int) -> Int { auditWorkers * auditBatchSize * (1 + prefetch) }

    /// The manifest as JSON text.
    func json() throws -> String {
        let source = BuildProducts.packageRoot.appendingPathComponent("functions.json")
        guard var root = try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any],
              var host = root["host"] as? [String: Any],
              let queues = root["queues"] as? [[String: Any]],
              let functions = root["functions"] as? [[String: Any]] else {
            throw ProcessTestFailure("\(source.path) does not have the shape the process tests expect")
        }
        root.removeValue(forKey: "$schema")
        host["idle_poll_interval"] = idlePollInterval
        host["shutdown_grace_period"] = shutdownGracePeriod
        root["host"] = host
        root["queues"] = queues.map { queue in
            guard queue["name"] as? String == "audit-events" else { return queue }
            var queue = queue
            queue["visibility_timeout"] = auditVisibilityTimeout
            return queue
        }
        root["functions"] = functions.map { function in
            var function = function
            if function["name"] as? String == "write-audit-log" {
                function["trigger"] = ["queue": "audit-events", "batch_size": auditBatchSize]
                function["timeout"] = auditTimeout
                function["scale"] = ["min_workers": 0, "max_workers": auditWorkers]
            } else {
                function["scale"] = ["min_workers": 0, "max_workers": 1]
            }
            return function
        }
        let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
