/// Reads the JSON tree of `functions.json` into a ``ManifestDraft``, reporting every
/// problem that concerns one value at a time: unknown keys, wrong types, missing keys,
/// ranges, queue names and routes. References between entries are ``ManifestValidator``'s job.
struct ManifestDecoder {
    /// The handler names, for the fix of a missing `handler`.
    let registeredHandlers: Set<String>?
    /// What has been read so far.
    var draft = ManifestDraft()
    /// Every problem reported so far.
    var diagnostics: [ManifestDiagnostic] = []

    /// Decodes `root`.
    static func decode(_ root: JSONValue, registeredHandlers: Set<String>?) -> (ManifestDraft, [ManifestDiagnostic]) {
        var decoder = ManifestDecoder(registeredHandlers: registeredHandlers)
        decoder.decodeRoot(root)
        return (decoder.draft, decoder.diagnostics)
    }

    /// Records an error.
    mutating func error(_ kind: ManifestDiagnostic.Kind, _ path: String, at location: SourceLocation?, _ message: String, _ fix: String) {
        diagnostics.append(ManifestDiagnostic(
            severity: .error, kind: kind, path: path, line: location?.line, column: location?.column, message: message, fix: fix
        ))
    }

    // MARK: Sections

    private mutating func decodeRoot(_ root: JSONValue) {
        guard let fields = object(root, path: JSONPath.root, name: "the manifest", allowedKeys: ManifestKeys.root) else { return }
        _ = string(fields, "$schema")
        if let host = fields["host"] {
            decodeHost(host.value, path: fields.path("host"))
        }
        let queues = array(fields, "queues", required: true, example: #"[{"name": "import-jobs"}]"#) ?? []
        for (index, value) in queues.enumerated() {
            decodeQueue(value, index: index)
        }
        let functions = array(fields, "functions", required: true,
                              example: #"[{"name": "process-import", "handler": "ImportProcessor", "trigger": {"queue": "import-jobs"}}]"#) ?? []
        for (index, value) in functions.enumerated() {
            decodeFunction(value, index: index)
        }
        let producers = array(fields, "producers", required: false,
                              example: #"[{"type": "http", "route": "POST /imports", "queue": "import-jobs"}]"#) ?? []
        for (index, value) in producers.enumerated() {
            decodeProducer(value, index: index)
        }
        decodeTopics(fields)
        decodeDependencies(fields)
    }

    private mutating func decodeHost(_ value: JSONValue, path: String) {
        guard let fields = object(value, path: path, name: "host", allowedKeys: ManifestKeys.host) else { return }
        let defaults = HostConfig()
        draft.host = HostConfig(
            maxWorkers: int(fields, "max_workers", default: defaults.maxWorkers, range: .between(1, InputLimits.mostWorkers)) ?? defaults.maxWorkers,
            idlePollInterval: duration(fields, "idle_poll_interval", default: defaults.idlePollInterval, range: InputLimits.interval)
                ?? defaults.idlePollInterval,
            shutdownGracePeriod: duration(fields, "shutdown_grace_period", default: defaults.shutdownGracePeriod, range: InputLimits.wait)
                ?? defaults.shutdownGracePeriod,
            idempotencyWindow: duration(fields, "idempotency_window", default: defaults.idempotencyWindow, range: InputLimits.idempotencyWindow)
                ?? defaults.idempotencyWindow
        )
        draft.host.profile = profile(fields) ?? .native
    }

    private mutating func decodeQueue(_ value: JSONValue, index: Int) {
        let path = JSONPath.element("$.queues", index)
        guard let fields = object(value, path: path, name: "queue \(path)", allowedKeys: ManifestKeys.queue) else { return }
        let defaults = QueueConfig(name: "")
        let name = queueName(fields, "name", requiredFix: #"add "name": "import-jobs""#)
        let deadLetter = queueName(fields, "dead_letter_queue")
        draft.queues.append(ManifestDraft.Queue(
            index: index, name: name, deadLetterQueue: deadLetter,
            maxReceiveCount: int(fields, "max_receive_count", default: defaults.maxReceiveCount, range: InputLimits.maxReceiveCount)
                ?? defaults.maxReceiveCount,
            visibilityTimeout: duration(fields, "visibility_timeout", default: defaults.visibilityTimeout,
                                        range: InputLimits.visibilityTimeout) ?? defaults.visibilityTimeout
        ))
        draft.queues[draft.queues.count - 1].delivery = decodeQueueDelivery(fields)
    }

    /// A string under `key` that must be a valid queue name; nil (and reported) when it is not.
    private mutating func queueName(_ fields: JSONObjectFields, _ key: String, requiredFix: String? = nil) -> String? {
        guard let name = string(fields, key, requiredFix: requiredFix) else { return nil }
        if let problem = QueueName.problem(with: name) {
            error(.invalidQueueName, fields.path(key), at: fields[key]?.value.location, problem, QueueName.rule)
            return nil
        }
        return name
    }

    private mutating func decodeFunction(_ value: JSONValue, index: Int) {
        let path = JSONPath.element("$.functions", index)
        guard let fields = object(value, path: path, name: "function \(path)", allowedKeys: ManifestKeys.function) else { return }
        let handlerFix: String
        if let registeredHandlers, !registeredHandlers.isEmpty {
            handlerFix = #"add "handler": one of the registered handlers "# + registeredHandlers.sorted().joined(separator: ", ")
        } else {
            handlerFix = #"add "handler": the name its Swift handler is registered under"#
        }
        var function = ManifestDraft.Function(
            index: index,
            name: string(fields, "name", requiredFix: #"add "name": "process-import""#),
            handler: string(fields, "handler", requiredFix: handlerFix),
            queue: nil, batchSize: 10, batchingWindow: .zero,
            timeout: .seconds(5), retry: RetryPolicy(), scale: ScaleConfig()
        )
        function.timeout = duration(fields, "timeout", default: function.timeout, range: InputLimits.functionTimeout)
            ?? function.timeout
        if let trigger = fields["trigger"] {
            decodeTrigger(trigger.value, path: fields.path("trigger"), into: &function)
        } else {
            missing("trigger", in: fields, fix: #"add "trigger": {"queue": "<queue name>"}"#)
        }
        if let retry = fields["retry"] {
            function.retry = decodeRetry(retry.value, path: fields.path("retry"))
        }
        if let scale = fields["scale"] {
            function.scale = decodeScale(scale.value, path: fields.path("scale"))
        }
        function.profile = profile(fields)
        decodeFunctionDependencies(fields, into: &function)
        draft.functions.append(function)
    }

    private mutating func decodeTrigger(_ value: JSONValue, path: String, into function: inout ManifestDraft.Function) {
        guard let fields = object(value, path: path, name: "the trigger", allowedKeys: ManifestKeys.trigger) else { return }
        function.queue = string(fields, "queue", requiredFix: #"add "queue": the name of a queue declared under "queues""#)
        function.batchSize = int(fields, "batch_size", default: 10, range: InputLimits.batchSize) ?? function.batchSize
        function.batchingWindow = duration(fields, "batching_window", default: .zero, range: InputLimits.batchingWindow) ?? function.batchingWindow
        decodePlatformTriggerKeys(fields, into: &function)
    }

    private mutating func decodeRetry(_ value: JSONValue, path: String) -> RetryPolicy {
        let defaults = RetryPolicy()
        guard let fields = object(value, path: path, name: "retry", allowedKeys: ManifestKeys.retry) else { return defaults }
        let initial = duration(fields, "initial_delay", default: defaults.initialDelay, range: InputLimits.retryDelay)
        let maximum = duration(fields, "max_delay", default: defaults.maxDelay, range: InputLimits.retryDelay)
        if let initial, let maximum, initial > maximum {
            let key = fields["initial_delay"] != nil ? "initial_delay" : "max_delay"
            error(.outOfRange, fields.path(key), at: fields[key]?.value.location,
                  "initial_delay \(DurationText.format(initial)) is longer than max_delay \(DurationText.format(maximum))",
                  "lower initial_delay or raise max_delay so initial_delay ≤ max_delay")
        }
        return RetryPolicy(
            initialDelay: initial ?? defaults.initialDelay,
            maxDelay: maximum ?? defaults.maxDelay,
            multiplier: number(fields, "multiplier", default: defaults.multiplier, range: InputLimits.retryMultiplier) ?? defaults.multiplier,
            jitter: number(fields, "jitter", default: defaults.jitter, range: InputLimits.retryJitter) ?? defaults.jitter
        )
    }

    private mutating func decodeScale(_ value: JSONValue, path: String) -> ScaleConfig {
        let defaults = ScaleConfig()
        guard let fields = object(value, path: path, name: "scale", allowedKeys: ManifestKeys.scale) else { return defaults }
        let minimum = int(fields, "min_workers", default: defaults.minWorkers, range: .between(0, InputLimits.mostWorkers))
        let maximum = int(fields, "max_workers", default: defaults.maxWorkers, range: .between(1, InputLimits.mostWorkers))
        if let minimum, let maximum, maximum < minimum {
            let key = fields["max_workers"] != nil ? "max_workers" : "min_workers"
            error(.outOfRange, fields.path(key), at: fields[key]?.value.location,
                  "max_workers \(maximum) is less than min_workers \(minimum)",
                  "raise max_workers to at least \(minimum), or lower min_workers")
        }
        return ScaleConfig(
            minWorkers: minimum ?? defaults.minWorkers,
            maxWorkers: maximum ?? defaults.maxWorkers,
            targetBacklogPerWorker: int(fields, "target_backlog_per_worker", default: defaults.targetBacklogPerWorker, range: InputLimits.targetBacklogPerWorker)
                ?? defaults.targetBacklogPerWorker,
            scaleInterval: duration(fields, "scale_interval", default: defaults.scaleInterval, range: InputLimits.interval)
                ?? defaults.scaleInterval,
            maxScaleUpStep: int(fields, "max_scale_up_step", default: defaults.maxScaleUpStep, range: .between(1, InputLimits.mostWorkers))
                ?? defaults.maxScaleUpStep,
            scaleDownStabilization: duration(fields, "scale_down_stabilization", default: defaults.scaleDownStabilization, range: InputLimits.wait)
                ?? defaults.scaleDownStabilization
        )
    }

    private mutating func decodeProducer(_ value: JSONValue, index: Int) {
        let path = JSONPath.element("$.producers", index)
        guard let fields = object(value, path: path, name: "producer \(path)", allowedKeys: ManifestKeys.producer) else { return }
        if let type = string(fields, "type", requiredFix: #"add "type": "http""#), type != "http" {
            error(.invalidValue, fields.path("type"), at: fields["type"]?.value.location,
                  "unsupported producer type \(JSONText.string(type))", #"use "http", the only producer type"#)
        }
        var producer = ManifestDraft.Producer(index: index)
        if let text = string(fields, "route", requiredFix: #"add "route": "POST /imports""#) {
            switch ProducerRoute.parse(text) {
            case .success(let route): producer.route = route
            case .failure(let problem): error(problem.kind, fields.path("route"), at: fields["route"]?.value.location, problem.message, problem.fix)
            }
        }
        if fields["topic"] != nil {
            producer.topic = string(fields, "topic")
            if fields["queue"] != nil {
                error(.invalidValue, fields.path("queue"), at: fields["queue"]?.value.location,
                      "a producer sends to a queue or publishes to a topic, and this one names both",
                      #"keep "queue" to send to one queue, or "topic" to publish to the topic's subscribed queues"#)
            }
        } else {
            producer.queue = string(fields, "queue", requiredFix: #"add "queue": the name of a queue declared under "queues", or "topic": a topic under "topics""#)
        }
        producer.idempotencyField = string(fields, "idempotency_field")
        draft.producers.append(producer)
    }
}
