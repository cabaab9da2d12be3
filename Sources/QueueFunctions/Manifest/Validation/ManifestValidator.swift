/// Checks the references between entries of a decoded manifest: names unique, queues
/// declared, handlers registered, leases long enough, routes distinct.
struct ManifestValidator {
    /// What was decoded.
    let draft: ManifestDraft
    /// The registered handler names; nil skips the handler checks.
    let registeredHandlers: Set<String>?
    /// Where each queue dead-letters.
    let plan: DeadLetterPlan
    /// The first declared queue of each name, so lookups stay constant-time in large manifests.
    let queuesByName: [String: ManifestDraft.Queue]
    /// Every queue a trigger or producer may name, in ``knownQueues`` order.
    let knownQueues: [String]
    /// The same names, for constant-time membership checks.
    let knownQueueSet: Set<String>
    /// Every problem found so far.
    var diagnostics: [ManifestDiagnostic] = []
    /// How many unknown-queue reports have been given a did-you-mean.
    private var suggestionsGiven = 0

    /// Prepares a validator for `draft`.
    init(draft: ManifestDraft, registeredHandlers: Set<String>?) {
        self.draft = draft
        self.registeredHandlers = registeredHandlers
        plan = DeadLetterPlan(queues: draft.queues)
        var byName: [String: ManifestDraft.Queue] = [:]
        for queue in draft.queues {
            if let name = queue.name, byName[name] == nil { byName[name] = queue }
        }
        queuesByName = byName
        // Declared queues, then implicit dead-letter queues, each name once.
        var names: [String] = []
        var seen = Set<String>()
        for name in draft.queues.compactMap(\.name) + plan.implicitQueues where seen.insert(name).inserted {
            names.append(name)
        }
        knownQueues = names
        knownQueueSet = seen
    }

    /// Checks `draft`, returning errors and warnings.
    static func validate(_ draft: ManifestDraft, registeredHandlers: Set<String>?) -> [ManifestDiagnostic] {
        var validator = ManifestValidator(draft: draft, registeredHandlers: registeredHandlers)
        validator.checkQueues()
        validator.checkFunctions()
        validator.checkHandlers()
        validator.checkProducers()
        validator.checkTopics()
        validator.checkProfiles()
        validator.checkDependencies()
        validator.lint()
        return validator.diagnostics
    }

    /// Records a diagnostic at `path`, located at the value (or its nearest written ancestor).
    mutating func report(
        _ severity: ManifestDiagnostic.Severity, _ kind: ManifestDiagnostic.Kind, _ path: String, _ message: String, _ fix: String
    ) {
        let location = draft.location(of: path)
        diagnostics.append(ManifestDiagnostic(
            severity: severity, kind: kind, path: path, line: location?.line, column: location?.column, message: message, fix: fix
        ))
    }

    /// The first declared queue named `name`.
    func declaredQueue(named name: String) -> ManifestDraft.Queue? {
        queuesByName[name]
    }

    // MARK: Queues

    private mutating func checkQueues() {
        var seen: [String: ManifestDraft.Queue] = [:]
        for queue in draft.queues {
            guard let name = queue.name else { continue }
            if let first = seen[name] {
                report(.error, .duplicateQueue, JSONPath.member(queue.path, "name"),
                       "queue \(JSONText.string(name)) is declared twice (first at \(first.path))",
                       "rename one of them or remove the duplicate")
                continue
            }
            seen[name] = queue
            if queue.deadLetterQueue == name {
                report(.error, .selfDeadLetter, JSONPath.member(queue.path, "dead_letter_queue"),
                       "queue \(JSONText.string(name)) is its own dead-letter queue, so failing messages would never leave it",
                       "set dead_letter_queue to another queue, such as \(JSONText.string(name + DeadLetterPlan.suffix)), or remove it for the default")
            }
            if queue.deadLetterQueue == nil, let target = plan.deadLetterQueue[queue.index], let problem = QueueName.problem(with: target) {
                report(.error, .invalidQueueName, JSONPath.member(queue.path, "name"),
                       "the default dead-letter queue name is invalid: \(problem)",
                       "set dead_letter_queue to a shorter name, or shorten the queue name")
            }
        }
    }

    // MARK: Functions

    private mutating func checkFunctions() {
        var names: [String: ManifestDraft.Function] = [:]
        var triggers: [String: ManifestDraft.Function] = [:]
        for function in draft.functions {
            if let name = function.name {
                if let first = names[name] {
                    report(.error, .duplicateFunction, JSONPath.member(function.path, "name"),
                           "function \(JSONText.string(name)) is declared twice (first at \(first.path))",
                           "rename one of them or remove the duplicate")
                } else {
                    names[name] = function
                }
            }
            guard let queue = function.queue else { continue }
            let queuePath = JSONPath.member(JSONPath.member(function.path, "trigger"), "queue")
            guard knownQueueSet.contains(queue) else {
                reportUnknownQueue(queue, at: queuePath)
                continue
            }
            if let first = triggers[queue] {
                report(.error, .sharedTrigger, queuePath,
                       "queue \(JSONText.string(queue)) already triggers function \(first.name.map(JSONText.string) ?? first.path) (\(first.path)); a queue triggers one function",
                       "give this function its own queue, or merge the two functions into one handler")
            } else {
                triggers[queue] = function
            }
            // Lambda's own check, in its own words, replaces this one; Azure renews its leases
            // (ManifestValidator+Profiles).
            if draft.profile(of: function) == .native { checkVisibilityTimeout(of: queue, against: function) }
        }
    }

    /// How many unknown-queue reports get a did-you-mean: each one compares against every
    /// queue, so past this many the rest skip it and validation stays linear.
    static let suggestionLimit = 10
    /// How many queue names a fix lists at most.
    static let listedQueueLimit = 20

    /// Reports `queue`, named at `path`, as not declared, with a did-you-mean.
    mutating func reportUnknownQueue(_ queue: String, at path: String) {
        let known = knownQueues
        var fix = "declare it under \"queues\" as {\"name\": \(JSONText.string(queue))}"
        let suggest = suggestionsGiven < Self.suggestionLimit
        if suggest { suggestionsGiven += 1 }
        if suggest, let close = Suggestion.closest(to: queue, in: known) {
            fix = "did you mean \(JSONText.string(close))? Otherwise " + fix
        } else if !known.isEmpty {
            let listed = known.prefix(Self.listedQueueLimit).map(JSONText.string).joined(separator: ", ")
            fix += ", or use one of " + listed + (known.count > Self.listedQueueLimit ? " (and \(known.count - Self.listedQueueLimit) more)" : "")
        }
        report(.error, .unknownQueue, path, "queue \(JSONText.string(queue)) is not declared", fix)
    }

    /// A lease starts at receive; the handler's timeout starts after the batching window.
    /// The visibility timeout must cover both, or a message could be delivered again
    /// while it is still being handled (the host also renews leases of long batches).
    private mutating func checkVisibilityTimeout(of queueName: String, against function: ManifestDraft.Function) {
        let declared = declaredQueue(named: queueName)
        let visibility = declared?.visibilityTimeout ?? QueueConfig(name: queueName).visibilityTimeout
        let window = function.batchingWindow
        let needed = function.timeout + window
        guard visibility < needed else { return }
        let advised = DurationText.format(function.timeout * 6 + window)
        let functionName = function.name.map(JSONText.string) ?? function.path
        let covered = window > .zero
            ? "the \(DurationText.format(function.timeout)) timeout plus the \(DurationText.format(window)) batching window"
            : "the \(DurationText.format(function.timeout)) timeout"
        let message = "visibility_timeout \(DurationText.format(visibility)) of queue \(JSONText.string(queueName)) is shorter than "
            + "\(covered) of function \(functionName), "
            + "so a message would be delivered again while it is still being handled"
        let lower = window > .zero ? "or lower the function's timeout or batching_window" : "or lower the function's timeout"
        if let declared {
            report(.error, .visibilityTimeoutTooShort, JSONPath.member(declared.path, "visibility_timeout"), message,
                   "raise visibility_timeout to at least \(DurationText.format(needed)); \(advised) (6× the timeout plus the window) "
                       + "is advised; \(lower)")
        } else {
            report(.error, .visibilityTimeoutTooShort, JSONPath.member(function.path, "timeout"), message,
                   "declare queue \(JSONText.string(queueName)) with \"visibility_timeout\": \(JSONText.string(advised)) "
                       + "(6× the timeout plus the window), \(lower)")
        }
    }

    // MARK: Handlers

    private mutating func checkHandlers() {
        guard let registeredHandlers else { return }
        let registered = registeredHandlers.sorted()
        let list = registered.isEmpty ? "no handlers are registered" : "registered: " + registered.joined(separator: ", ")
        var used = Set<String>()
        var suggested = Set<String>()
        for function in draft.functions {
            guard let handler = function.handler else { continue }
            used.insert(handler)
            guard !registeredHandlers.contains(handler) else { continue }
            var fix = "register it with registry.register(\(JSONText.string(handler))) { … } (\(list))"
            if let close = Suggestion.closest(to: handler, in: registered) {
                suggested.insert(close)
                fix = "did you mean \(JSONText.string(close))? Otherwise " + fix
            }
            report(.error, .unknownHandler, JSONPath.member(function.path, "handler"),
                   "handler \(JSONText.string(handler)) is not registered", fix)
        }
        for handler in registered where !used.contains(handler) && !suggested.contains(handler) {
            report(.error, .unusedHandler, "$.functions",
                   "handler \(JSONText.string(handler)) is registered but no function uses it",
                   "add a function with \"handler\": \(JSONText.string(handler)), or stop registering it")
        }
    }

    // MARK: Producers

    private mutating func checkProducers() {
        var routes: [ProducerRoute: ManifestDraft.Producer] = [:]
        for producer in draft.producers {
            if let queue = producer.queue, !knownQueueSet.contains(queue) {
                reportUnknownQueue(queue, at: JSONPath.member(producer.path, "queue"))
            }
            guard let route = producer.route else { continue }
            if let first = routes[route] {
                report(.error, .duplicateRoute, JSONPath.member(producer.path, "route"),
                       "route \(JSONText.string("\(route.method) \(route.path)")) is already used by \(first.path)",
                       "give each producer its own method and path, or remove the duplicate")
            } else {
                routes[route] = producer
            }
        }
    }
}
