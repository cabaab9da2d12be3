import Foundation

extension FunctionHost {
    /// What ``apply(_:)`` changed.
    public struct ManifestChange: Sendable, Equatable, CustomStringConvertible {
        /// Functions that started.
        public var added: [String] = []
        /// Functions whose workers drain and stop.
        public var removed: [String] = []
        /// Functions restarted with new settings (their in-flight batches finish under the old ones).
        public var changed: [String] = []

        /// Whether anything changed.
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

        /// `added a, b; changed c; removed d`, or `no function changed`.
        public var description: String {
            var parts: [String] = []
            if !added.isEmpty { parts.append("added \(added.joined(separator: ", "))") }
            if !changed.isEmpty { parts.append("changed \(changed.joined(separator: ", "))") }
            if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", "))") }
            return parts.isEmpty ? "no function changed" : parts.joined(separator: "; ")
        }
    }

    /// Switches the running host to `manifest` (already validated) without losing or
    /// doubling a message: new functions start; removed ones stop receiving, finish
    /// their batches and exit; a function whose settings or queue changed gets a new
    /// pool with the new settings while the old pool finishes its batches and exits.
    /// Unchanged functions keep running untouched, counters and all.
    ///
    /// - Returns: What changed.
    /// - Throws: ``StartError`` when a function names a handler that is not registered,
    ///   or when `dependencies` changed (that needs a restart); nothing is changed then.
    @discardableResult
    public func apply(_ manifest: Manifest) throws -> ManifestChange {
        // Dependency gates are shared by running pools (permits in hand): they change only with a restart.
        guard manifest.dependencies == self.manifest.dependencies else {
            throw StartError(description: "the reloaded manifest changes \"dependencies\"; their limits and breakers are held by "
                + "running workers, so restart the host to change them (nothing was changed)")
        }
        let current = runners
        var change = ManifestChange()
        var next: [FunctionRunner] = []
        var started: [FunctionRunner] = []
        var retired: [FunctionRunner] = []
        // One topic directory for the host's life: functions left running publish to the new topics too.
        let topicDirectory = self.queues.topicDirectory
        let queues = QueueClient(store: store, knownQueues: Set(manifest.queues.map(\.name)), queueConfigs: manifest.queues, topicDirectory: topicDirectory)
        var environment = self.environment
        environment.queues = queues
        environment.idlePollInterval = manifest.host.idlePollInterval
        for function in manifest.functions {
            let queue = manifest.queue(named: function.trigger.queue) ?? QueueConfig(name: function.trigger.queue)
            if let old = current.first(where: { $0.function.name == function.name }) {
                if old.function == function, old.queue == queue {
                    next.append(old)
                    continue
                }
                let runner = try Self.makeRunner(
                    function, manifest: manifest, registry: registry, resources: resources, environment: environment,
                    metrics: old.metrics
                )
                next.append(runner)
                started.append(runner)
                retired.append(old)
                change.changed.append(function.name)
            } else {
                let runner = try Self.makeRunner(
                    function, manifest: manifest, registry: registry, resources: resources, environment: environment
                )
                next.append(runner)
                started.append(runner)
                change.added.append(function.name)
            }
        }
        for old in current where !manifest.functions.contains(where: { $0.name == old.function.name }) {
            retired.append(old)
            change.removed.append(old.function.name)
        }
        let (accepted, fixedPools) = state.withLock { state -> (Bool, Bool) in
            guard !state.stopping else { return (false, false) }
            state.manifest = manifest
            state.queues = queues
            state.runners = next
            topicDirectory.replace(with: manifest.topics)
            return (true, state.fixedPools)
        }
        guard accepted else { return ManifestChange() }
        for runner in retired { runner.stop() }
        for runner in started {
            startRunnerTask(runner)
            if fixedPools { runner.setWorkerCount(runner.function.scale.maxWorkers) }
        }
        if !change.isEmpty {
            events.record(HostEvent(time: clock.now(), kind: .lifecycle, function: nil, message: "manifest applied: \(change)"))
            activity.notify(Self.runnersChangedKey)
            activity.notify(FunctionRunner.activityKey)
        }
        return change
    }
}
