import Foundation
import Synchronization

/// One running host: a store, the functions of a manifest with their worker pools,
/// and the events and metrics they produce.
///
/// ``run(scaling:)`` is the host's lifetime. It returns after ``stop()`` once every
/// worker has finished its batch. Cancelling the task that runs it is a graceful
/// stop too: no new batches, running ones get the manifest's shutdown grace period,
/// then they are cancelled and their messages fail, counting the receive (see ``shutdown(gracePeriod:)``).
///
/// Shared resources registered with ``FunctionRegistry/resource(_:start:close:)``
/// are started before the first worker starts and closed, in reverse order, after the
/// last worker has finished.
public final class FunctionHost: Sendable {
    /// Errors that keep a host from starting.
    public struct StartError: Error, CustomStringConvertible, Sendable {
        /// What was wrong and how to fix it.
        public var description: String

        /// Creates a start error.
        public init(description: String) {
            self.description = description
        }
    }

    /// Where the queues live.
    public let store: any QueueStore
    /// The host's clock.
    public let clock: any HostClock
    /// Recent events.
    public let events: HostEventLog
    /// Notified whenever a worker goes idle or exits.
    public let activity: QueueSignal
    /// The host's logger.
    public let logger: QueueLogger
    /// The shared resources handed to every handler factory.
    public let resources: SharedResources

    let registry: FunctionRegistry
    let environment: FunctionRunner.Environment
    let state: Mutex<State>
    private let startRunner: AsyncStream<FunctionRunner>.Continuation
    private let runnersToStart: AsyncStream<FunctionRunner>

    struct State {
        var manifest: Manifest
        var queues: QueueClient
        var runners: [FunctionRunner]
        var poolsStarted = false
        var fixedPools = false
        var stopping = false
        /// The task running the pools; cancelled by ``stopNow()``.
        var pools: Task<Void, Never>?
        /// Opened when ``run(scaling:gracePeriod:)`` may return: the pools ended, or a stop gave up on them.
        var finished: Latch?
        var stopNowRequested = false
        /// The id this host beats into the store's registry with, once a service does.
        var registryID: String?
    }
    private let fatalStoreErrors = FatalStoreErrorLatch()

    /// The key under which ``stop()`` notifies ``activity``, so loops such as the
    /// autoscaler can wait for the host to stop.
    public static let stopKey = "host-stopping"
    /// The key under which ``apply(_:)`` notifies ``activity`` when functions change.
    public static let runnersChangedKey = "host-runners-changed"

    /// Creates a host for `manifest`, running handlers from `registry` on `store`.
    ///
    /// - Parameter taskExecutor: The executor the workers' helper tasks prefer (the
    ///   simulator's); nil for the default one.
    /// - Throws: ``StartError`` when a function names a handler that is not registered.
    public init(
        manifest: Manifest, registry: FunctionRegistry, store: any QueueStore, clock: any HostClock = SystemClock(),
        logger: QueueLogger = QueueLogger(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        taskExecutor: (any TaskExecutor)? = nil
    ) throws {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.registry = registry
        let events = HostEventLog()
        let activity = QueueSignal()
        let resources = SharedResources(definitions: registry.resourceDefinitions)
        let queues = QueueClient(store: store, knownQueues: Set(manifest.queues.map(\.name)), queueConfigs: manifest.queues, topics: manifest.topics)
        self.events = events
        self.activity = activity
        self.resources = resources
        var environment = FunctionRunner.Environment(
            store: store, clock: clock, logger: logger, events: events, queues: queues,
            idlePollInterval: manifest.host.idlePollInterval, random: random, activity: activity,
            taskExecutor: taskExecutor
        )
        environment.fatalStoreErrors = fatalStoreErrors
        environment.dependencies = DependencyGates(
            manifest.dependencies, clock: clock, events: events, logger: logger, store: store,
            leaseFor: DependencyGates.lease(for: manifest)
        )
        self.environment = environment
        let runners = try manifest.functions.map { function in
            try Self.makeRunner(function, manifest: manifest, registry: registry, resources: resources, environment: environment)
        }
        state = Mutex(State(manifest: manifest, queues: queues, runners: runners))
        (runnersToStart, startRunner) = AsyncStream.makeStream(of: FunctionRunner.self)
        for runner in runners { startRunner.yield(runner) }
        fatalStoreErrors.onTrip { [weak self] _ in self?.stop() }
    }

    /// The store error that stopped the host, if one did: an error that retrying cannot fix
    /// (a corrupt or closed store, a full disk). The host stops itself on the first one;
    /// `serve` exits with code 4 (store unusable) and this message.
    public var fatalStoreError: QueueStoreError? {
        fatalStoreErrors.error
    }

    /// The manifest the host runs now (the latest one applied).
    public var manifest: Manifest { state.withLock { $0.manifest } }

    /// One runner per function, in manifest order.
    public var runners: [FunctionRunner] { state.withLock { $0.runners } }

    /// Sends to the manifest's queues.
    public var queues: QueueClient { state.withLock { $0.queues } }

    /// The runner of the function named `name`.
    public func runner(named name: String) -> FunctionRunner? {
        runners.first { $0.function.name == name }
    }

    static func makeRunner(
        _ function: FunctionConfig, manifest: Manifest, registry: FunctionRegistry, resources: SharedResources,
        environment: FunctionRunner.Environment, metrics: FunctionMetrics = FunctionMetrics()
    ) throws -> FunctionRunner {
        guard let entry = registry.entry(named: function.handler) else {
            var text = "function '\(function.name)' uses handler '\(function.handler)', which is not registered"
            if let guess = Suggestion.closest(to: function.handler, in: registry.names) { text += "; did you mean '\(guess)'?" }
            text += " Registered handlers: \(registry.names.joined(separator: ", "))."
            throw StartError(description: text)
        }
        let queue = manifest.queue(named: function.trigger.queue) ?? QueueConfig(name: function.trigger.queue)
        return FunctionRunner(
            function: function, queue: queue, entry: entry.bound(to: resources), environment: environment, metrics: metrics
        )
    }

    /// Starts the shared resources, in registration order, if they have not started yet.
    /// ``run(scaling:)`` calls it before any worker starts; call it first yourself to
    /// see a resource's failure as a start-up error.
    ///
    /// - Throws: ``StartError`` naming the resource that failed; the ones started before
    ///   it are closed again.
    public func startResources() async throws {
        do {
            try await resources.start(logger: logger)
        } catch {
            throw StartError(description: "\(error)")
        }
    }

    /// Runs every function's pool until ``stop()``, or until the calling task is
    /// cancelled (a graceful stop within the manifest's shutdown grace period). Unless
    /// `scaling` says otherwise, each function runs `max_workers` workers.
    ///
    /// Returns once every worker has exited and the shared resources are closed. A
    /// worker whose handler ignores cancellation is left behind (and logged) one
    /// grace period after the hard stop, so that `run` always returns.
    ///
    /// - Parameters:
    ///   - scaling: The loop that sets worker counts (an ``Autoscaler``); nil for fixed pools.
    ///   - gracePeriod: How long running batches may take after a cancellation; nil for
    ///     the manifest's `host.shutdown_grace_period`.
    public func run(scaling: (@Sendable (FunctionHost) async -> Void)? = nil, gracePeriod: Duration? = nil) async {
        do {
            try await startResources()
        } catch {
            logger.error("host not started: a shared resource failed to start", [("error", "\(error)")])
            events.record(HostEvent(time: clock.now(), kind: .failure, function: nil, message: "host not started: \(error)"))
            return
        }
        let finished = Latch()
        let pools = Task(executorPreference: environment.taskExecutor) {
            await self.runPools(scaling: scaling)
            finished.open()
        }
        let cancelNow = state.withLock { state in
            state.pools = pools
            state.finished = finished
            return state.stopNowRequested
        }
        if cancelNow { pools.cancel() }
        await withTaskCancellationHandler {
            await finished.wait()
        } onCancel: {
            self.shutdown(gracePeriod: gracePeriod ?? self.manifest.host.shutdownGracePeriod, abandon: finished)
        }
        await resources.close(logger: logger)
    }

    private func runPools(scaling: (@Sendable (FunctionHost) async -> Void)?) async {
        events.record(HostEvent(time: clock.now(), kind: .lifecycle, function: nil,
                                message: "host started with \(runners.count) function(s)"))
        await withDiscardingTaskGroup { group in
            if let scaling {
                group.addTask { await scaling(self) }
            } else {
                startFixedPools()
            }
            for await runner in runnersToStart {
                group.addTask { await runner.run() }
            }
        }
        events.record(HostEvent(time: clock.now(), kind: .lifecycle, function: nil, message: "host stopped"))
    }

    /// Hands `runner` to the running pools (or to the pools when they start).
    func startRunnerTask(_ runner: FunctionRunner) {
        startRunner.yield(runner)
    }

    /// Gives every function `max_workers` workers, once: later calls do nothing, so
    /// counts set afterwards (by a test or an operator) stay. Functions added later by
    /// ``apply(_:)`` get theirs when they start.
    public func startFixedPools() {
        let runners: [FunctionRunner] = state.withLock { state in
            guard !state.poolsStarted else { return [] }
            state.poolsStarted = true
            state.fixedPools = true
            return state.runners
        }
        for runner in runners { runner.setWorkerCount(runner.function.scale.maxWorkers) }
    }

    /// Stops taking new messages; ``run(scaling:)`` returns once in-flight batches finish.
    public func stop() {
        let runners: [FunctionRunner] = state.withLock { state in
            state.stopping = true
            return state.runners
        }
        for runner in runners { runner.stop() }
        startRunner.finish()
        activity.notify(FunctionRunner.activityKey)
        activity.notify(Self.stopKey)
    }

    /// Stops at once: running invocations are cancelled and their unsettled messages fail
    /// (the receive counts); messages leased but not started are handed back. Nothing
    /// waits out a lease.
    public func stopNow() {
        stop()
        let pools = state.withLock { state in
            state.stopNowRequested = true
            return state.pools
        }
        pools?.cancel()
    }

    /// Stops gracefully within `gracePeriod`: no new batches; running ones may finish
    /// until the period ends, then they are cancelled (``stopNow()``); one more period
    /// later, ``run(scaling:gracePeriod:)`` returns without handlers that ignore their
    /// cancellation. Returns at once.
    public func shutdown(gracePeriod: Duration) {
        shutdown(gracePeriod: gracePeriod, abandon: state.withLock { $0.finished })
    }

    private func shutdown(gracePeriod: Duration, abandon: Latch?) {
        guard !isStopping else {
            if abandon != nil { scheduleHardStop(after: gracePeriod, abandon: abandon) }
            return
        }
        logger.notice("host stopping: finishing in-flight batches", [("grace_period", DurationText.format(gracePeriod))])
        stop()
        scheduleHardStop(after: gracePeriod, abandon: abandon)
    }

    /// After `gracePeriod`, cancels running invocations; one more period later, stops
    /// waiting for handlers that ignore cancellation.
    private func scheduleHardStop(after gracePeriod: Duration, abandon: Latch?) {
        let clock = clock
        let logger = logger
        let timer = Task(executorPreference: environment.taskExecutor) { [weak self] in
            guard (try? await clock.sleep(for: gracePeriod)) != nil, let self else { return }
            logger.warning("grace period over: cancelling running invocations; their messages fail and are retried")
            self.stopNow()
            guard let abandon, (try? await clock.sleep(for: gracePeriod)) != nil else { return }
            let stuck = self.runners.reduce(0) { $0 + $1.workerCount }
            logger.error("handlers ignored cancellation; the host stops without them and their leases lapse",
                         [("workers", "\(stuck)")])
            abandon.open()
        }
        // The timer must not outlive the pools: stop it as soon as they finish.
        guard let pools = state.withLock({ $0.pools }) else { return }
        Task(executorPreference: environment.taskExecutor) {
            await pools.value
            timer.cancel()
        }
    }

    /// The id this host has in the store's host registry, when something beats for it.
    package var registryID: String? {
        get { state.withLock { $0.registryID } }
        set { state.withLock { $0.registryID = newValue } }
    }

    /// Whether ``stop()`` has been called. Read ``activity``'s generation of ``stopKey``
    /// first, then this, then wait on that generation, to never miss a stop.
    public var isStopping: Bool {
        state.withLock { $0.stopping }
    }

    /// Whether every worker of every function is idle.
    public var isQuiescent: Bool {
        runners.allSatisfy(\.isQuiescent)
    }
}
