import Foundation
import Synchronization

/// Runs one function: a pool of worker tasks, each looping receive → decode →
/// invoke → settle on the function's queue.
///
/// The pool size is set from outside (a fixed count, or the autoscaler) with
/// ``setWorkerCount(_:)``; removed workers finish their batch first.
public final class FunctionRunner: Sendable {
    /// Everything a runner needs from its host.
    public struct Environment: Sendable {
        /// Where messages are leased and settled.
        public var store: any QueueStore
        /// The host's clock.
        public var clock: any HostClock
        /// The host's logger.
        public var logger: QueueLogger
        /// Recent events, for the dashboard and `status`.
        public var events: HostEventLog
        /// Sends messages on behalf of handlers.
        public var queues: QueueClient
        /// How long idle workers wait before looking at the store again.
        public var idlePollInterval: Duration
        /// Random numbers in 0..<1 for backoff jitter.
        public var random: @Sendable () -> Double
        /// Notified whenever a worker goes idle or exits, so tests can wait for quiet.
        public var activity: QueueSignal
        /// The executor that the helper tasks workers start prefer (nil: the default one).
        /// The simulator sets it so that every task of the host runs on its executor.
        public var taskExecutor: (any TaskExecutor)?
        /// Tripped by the first store error that retrying cannot fix; the host stops on it.
        package var fatalStoreErrors = FatalStoreErrorLatch()
        /// The limits and circuit breakers of the manifest's dependencies, shared by every function.
        package var dependencies = DependencyGates()

        /// Creates an environment.
        public init(
            store: any QueueStore, clock: any HostClock, logger: QueueLogger, events: HostEventLog = HostEventLog(),
            queues: QueueClient, idlePollInterval: Duration = .seconds(1),
            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, activity: QueueSignal = QueueSignal(),
            taskExecutor: (any TaskExecutor)? = nil
        ) {
            self.store = store
            self.clock = clock
            self.logger = logger
            self.events = events
            self.queues = queues
            self.idlePollInterval = idlePollInterval
            self.random = random
            self.activity = activity
            self.taskExecutor = taskExecutor
        }
    }

    struct WorkerSlot {
        var retiring = false
        /// Its handler is made (the cold start is over): the receiver prefetches for it.
        var started = false
        /// Waiting for messages or for the clock, not holding a batch in a handler.
        var idle = false
        /// When the current wait ends at the latest.
        var wakeAt: Date?
        var wait: Task<Void, Never>?
    }

    struct State {
        var workers: [Int: WorkerSlot] = [:]
        var nextWorkerID = 0
        var stopping = false
        /// Batches and settlements passing between the receiver and the workers.
        var handOff: BatchHandOff
    }

    /// The function's configuration.
    public let function: FunctionConfig
    /// The configuration of the queue that triggers it.
    public let queue: QueueConfig
    /// The function's counters.
    public let metrics: FunctionMetrics

    package let entry: FunctionRegistry.Entry
    let environment: Environment
    let planner: SettlementPlanner
    let logger: QueueLogger
    let state: Mutex<State>
    /// Fires invocation timeouts.
    let deadlines: DeadlineScheduler
    /// Whether the store commits a handler's sends with its batch (looked up once, not per batch).
    let storeKeepsOutbox: Bool
    /// The gates of the dependencies the function uses (empty: receive freely).
    package let dependencyGates: DependencyGateSet
    /// Whether the receiver leases a batch ahead for each running worker. Only where
    /// nothing else decides when a message is leased: the native profile (the platforms
    /// fetch as their own listeners do), no batching window, no dependency gates.
    let prefetches: Bool
    private let spawns: AsyncStream<Int>
    private let spawnContinuation: AsyncStream<Int>.Continuation

    /// How long a handler may take to honour its cancellation (after a timeout) before its
    /// worker is reported as stuck.
    public static let cancellationGrace: Duration = .seconds(5)

    /// The key under which runners notify ``Environment/activity``.
    public static let activityKey = "activity"

    /// Creates a runner for `function`, triggered by `queue`, running the handler `entry`.
    ///
    /// - Parameter metrics: The counters to keep; a runner that replaces another one
    ///   after a manifest reload continues its predecessor's.
    public init(
        function: FunctionConfig, queue: QueueConfig, entry: FunctionRegistry.Entry, environment: Environment,
        metrics: FunctionMetrics = FunctionMetrics()
    ) {
        self.function = function
        self.metrics = metrics
        self.queue = queue
        self.entry = entry
        self.environment = environment
        self.planner = SettlementPlanner(
            queue: queue, retry: function.retry, profile: function.profile,
            reportBatchItemFailures: function.trigger.reportBatchItemFailures
        )
        self.logger = environment.logger.with("function", function.name)
        self.deadlines = DeadlineScheduler(clock: environment.clock)
        self.storeKeepsOutbox = environment.store is any TransactionalOutboxStore
        self.dependencyGates = environment.dependencies.set(for: function.dependencies)
        self.prefetches = function.profile.isNative && function.trigger.batchingWindow == .zero
            && dependencyGates.isEmpty
        (spawns, spawnContinuation) = AsyncStream.makeStream(of: Int.self)
        self.state = Mutex(State(handOff: BatchHandOff(lanes: environment.store.receiveLanes)))
    }

    /// Runs the pool until ``stop()`` is called and every worker has exited.
    /// Cancelling the calling task is a hard stop: running invocations are cancelled
    /// and their unsettled messages handed back.
    public func run() async {
        await withTaskGroup(of: Void.self) { services in
            services.addTask { await self.deadlines.run() }
            await withDiscardingTaskGroup { workers in
                let lanes = state.withLock { $0.handOff.lanes.count }
                for lane in 0..<lanes {
                    workers.addTask { await self.receiverLoop(lane: lane) }
                }
                for await workerID in spawns {
                    workers.addTask { await self.workerLoop(workerID) }
                }
            }
            services.cancelAll()
        }
    }

    /// Sets how many worker tasks should run. New workers start at once; surplus
    /// workers (idle ones first) finish their current batch and exit.
    public func setWorkerCount(_ count: Int) {
        let target = max(0, count)
        var receiverWake: ReceiverWake?
        let (newIDs, wake, released): ([Int], [Task<Void, Never>], [CheckedContinuation<[Lease]?, Never>]) = state.withLock { state in
            guard !state.stopping else { return ([], [], []) }
            let active = state.workers.filter { !$0.value.retiring }
            var newIDs: [Int] = []
            var wake: [Task<Void, Never>] = []
            var released: [CheckedContinuation<[Lease]?, Never>] = []
            if target > active.count {
                for _ in active.count..<target {
                    state.nextWorkerID += 1
                    state.workers[state.nextWorkerID] = WorkerSlot()
                    newIDs.append(state.nextWorkerID)
                }
            } else if target < active.count {
                let ordered = active.sorted { lhs, rhs in
                    if lhs.value.idle != rhs.value.idle { return lhs.value.idle }
                    return lhs.key > rhs.key
                }
                for (id, _) in ordered.prefix(active.count - target) {
                    state.workers[id]?.retiring = true
                    if let task = state.workers[id]?.wait { wake.append(task) }
                    if let continuation = state.handOff.unpark(id) { released.append(continuation) }
                }
            }
            receiverWake = state.handOff.kickReceiver()
            return (newIDs, wake, released)
        }
        metrics.update { $0.desiredWorkers = target }
        for task in wake { task.cancel() }
        for continuation in released { continuation.resume(returning: nil) }
        receiverWake?.fire()
        for id in newIDs { spawnContinuation.yield(id) }
    }

    /// Stops taking new messages: idle workers exit, busy ones finish their batch.
    public func stop() {
        var receiverWakes: [ReceiverWake] = []
        let (wake, parked): ([Task<Void, Never>], [BatchHandOff.Parked]) = state.withLock { state in
            state.stopping = true
            let wake = state.workers.values.compactMap(\.wait)
            receiverWakes = state.handOff.kickEveryLane()
            let parked = state.handOff.parked
            state.handOff.parked = []
            return (wake, parked)
        }
        for task in wake { task.cancel() }
        for receiverWake in receiverWakes { receiverWake.fire() }
        for worker in parked { worker.continuation.resume(returning: nil) }
        spawnContinuation.finish()
    }

    /// Worker tasks alive now (including ones finishing their last batch). While the
    /// runner stops, each lane of its receiver counts as one until it has applied the
    /// workers' last settlements, so 0 means everything handled is settled.
    public var workerCount: Int {
        state.withLock { state in
            state.workers.count + (state.stopping ? state.handOff.lanes.count(where: \.running) : 0)
        }
    }

    /// Worker tasks not asked to retire.
    public var activeWorkerCount: Int {
        state.withLock { $0.workers.values.count { !$0.retiring } }
    }

    /// Whether every worker is idle, waiting for messages or for a time still in the
    /// future: nothing happens here until a message is sent or the clock moves.
    public var isQuiescent: Bool {
        let now = environment.clock.now()
        return state.withLock { state in
            // Settlements handed over while the receiver waits out a store backoff wait with it.
            let receiverIdle = state.handOff.ready.isEmpty
                && state.handOff.lanesIdle(now: now, workersLeft: !state.workers.isEmpty)
            return receiverIdle && state.workers.values.allSatisfy { slot in
                guard slot.idle, let wakeAt = slot.wakeAt else { return false }
                return wakeAt > now
            }
        }
    }

    func shouldExit(_ workerID: Int) -> Bool {
        state.withLock { state in
            state.stopping || (state.workers[workerID]?.retiring ?? true)
        }
    }
}
