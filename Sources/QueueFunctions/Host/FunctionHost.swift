import Foundation
import Synchronization

/// One running host: a store, the functions of a manifest with their worker pools,
/// and the events and metrics they produce.
///
/// ``run()`` is the host's lifetime: it returns after ``stop()`` once every worker
/// has finished its batch. Cancelling the task that runs it is a hard stop.
public final class FunctionHost: Sendable {
    /// Errors that keep a host from starting.
    public struct StartError: Error, CustomStringConvertible, Sendable {
        /// What was wrong and how to fix it.
        public var description: String
    }

    /// The manifest the host runs.
    public let manifest: Manifest
    /// Where the queues live.
    public let store: any QueueStore
    /// The host's clock.
    public let clock: any HostClock
    /// One runner per function, in manifest order.
    public let runners: [FunctionRunner]
    /// Recent events.
    public let events: HostEventLog
    /// Notified whenever a worker goes idle or exits.
    public let activity: QueueSignal
    /// Sends to the manifest's queues.
    public let queues: QueueClient
    /// The host's logger.
    public let logger: QueueLogger
    private let fatalStoreErrors = FatalStoreErrorLatch()
    private let poolsStarted = Mutex(false)
    private let stopping = Mutex(false)

    /// The key under which ``stop()`` notifies ``activity``, so loops such as the
    /// autoscaler can wait for the host to stop.
    public static let stopKey = "host-stopping"

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
        self.manifest = manifest
        self.store = store
        self.clock = clock
        self.logger = logger
        let events = HostEventLog()
        let activity = QueueSignal()
        let queues = QueueClient(store: store, knownQueues: Set(manifest.queues.map(\.name)))
        self.events = events
        self.activity = activity
        self.queues = queues
        var environment = FunctionRunner.Environment(
            store: store, clock: clock, logger: logger, events: events, queues: queues,
            idlePollInterval: manifest.host.idlePollInterval, random: random, activity: activity,
            taskExecutor: taskExecutor
        )
        environment.fatalStoreErrors = fatalStoreErrors
        runners = try manifest.functions.map { function in
            guard let entry = registry.entry(named: function.handler) else {
                var text = "function '\(function.name)' uses handler '\(function.handler)', which is not registered"
                if let guess = Suggestion.closest(to: function.handler, in: registry.names) { text += "; did you mean '\(guess)'?" }
                text += " Registered handlers: \(registry.names.joined(separator: ", "))."
                throw StartError(description: text)
            }
            let queue = manifest.queue(named: function.trigger.queue) ?? QueueConfig(name: function.trigger.queue)
            return FunctionRunner(function: function, queue: queue, entry: entry, environment: environment)
        }
        fatalStoreErrors.onTrip { [weak self] _ in self?.stop() }
    }

    /// The store error that stopped the host, if one did: an error that retrying cannot fix
    /// (a corrupt or closed store, a full disk). The host stops itself on the first one;
    /// `serve` exits with code 4 (store unusable) and this message.
    public var fatalStoreError: QueueStoreError? {
        fatalStoreErrors.error
    }

    /// The runner of the function named `name`.
    public func runner(named name: String) -> FunctionRunner? {
        runners.first { $0.function.name == name }
    }

    /// Runs every function's pool until ``stop()``. Unless `scaling` says otherwise,
    /// each function runs `max_workers` workers.
    public func run(scaling: (@Sendable (FunctionHost) async -> Void)? = nil) async {
        events.record(HostEvent(time: clock.now(), kind: .lifecycle, function: nil,
                                message: "host started with \(runners.count) function(s)"))
        await withDiscardingTaskGroup { group in
            for runner in runners {
                group.addTask { await runner.run() }
            }
            if let scaling {
                group.addTask { await scaling(self) }
            } else {
                startFixedPools()
            }
        }
        events.record(HostEvent(time: clock.now(), kind: .lifecycle, function: nil, message: "host stopped"))
    }

    /// Gives every function `max_workers` workers, once: later calls do nothing, so
    /// counts set afterwards (by a test or an operator) stay.
    public func startFixedPools() {
        let first = poolsStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        for runner in runners { runner.setWorkerCount(runner.function.scale.maxWorkers) }
    }

    /// Stops taking new messages; ``run()`` returns once in-flight batches finish.
    public func stop() {
        stopping.withLock { $0 = true }
        for runner in runners { runner.stop() }
        activity.notify(FunctionRunner.activityKey)
        activity.notify(Self.stopKey)
    }

    /// Whether ``stop()`` has been called. Read ``activity``'s generation of ``stopKey``
    /// first, then this, then wait on that generation, to never miss a stop.
    public var isStopping: Bool {
        stopping.withLock { $0 }
    }

    /// Whether every worker of every function is idle.
    public var isQuiescent: Bool {
        runners.allSatisfy(\.isQuiescent)
    }
}
