import QueueFunctions
import Foundation

/// A real host — dispatcher, workers, autoscaler — on virtual time: a ``ManualClock``,
/// a ``MemoryQueueStore`` and a ``SimulationExecutor``. ``settle()`` returns once
/// everything that can happen without the clock moving has happened, so tests and the
/// ``Simulator`` step through time exactly, with no real sleeps.
///
/// ```swift
/// try await VirtualHost.run(manifest: manifest, registry: registry) { virtual in
///     try await virtual.host.queues.send(bodies: bodies, to: "jobs")
///     await virtual.settle()
///     await virtual.advance(by: .seconds(1))
/// }
/// ```
public final class VirtualHost: Sendable {
    /// The clock everything runs on.
    public let clock: ManualClock
    /// The in-memory store.
    public let store: MemoryQueueStore
    /// The real host.
    public let host: FunctionHost
    /// The scaling loop, or nil for fixed pools of `max_workers`.
    public let autoscaler: Autoscaler?
    /// The executor all of the host's tasks run on.
    public let executor: SimulationExecutor

    private init(
        manifest: Manifest, registry: FunctionRegistry, autoscaler: Autoscaler?, clock: ManualClock,
        logger: QueueLogger, random: @escaping @Sendable () -> Double, executor: SimulationExecutor,
        storeFaults: StoreFaultController?
    ) throws {
        self.clock = clock
        self.executor = executor
        self.autoscaler = autoscaler
        let store = MemoryQueueStore(clock: clock)
        self.store = store
        let hostStore: any QueueStore = storeFaults.map { StoreFaultInjector(wrapping: store, controller: $0) } ?? store
        host = try FunctionHost(
            manifest: manifest, registry: registry, store: hostStore, clock: clock, logger: logger, random: random,
            taskExecutor: executor
        )
    }

    /// Starts a virtual host, runs `body` with it, then stops the host (cancelling
    /// handlers still parked on the clock) and returns `body`'s result.
    ///
    /// - Parameters:
    ///   - manifest: The functions and queues to run.
    ///   - registry: The handlers.
    ///   - autoscaler: The scaling loop; nil runs each function with `max_workers` workers.
    ///   - clock: The virtual clock.
    ///   - logger: Where the host logs (nothing by default).
    ///   - random: Random numbers in 0..<1 for backoff jitter.
    /// - Throws: ``FunctionHost/StartError`` for an unregistered handler, or what `body` throws.
    public static func run<Result: Sendable>(
        manifest: Manifest, registry: FunctionRegistry, autoscaler: Autoscaler? = Autoscaler(),
        clock: ManualClock = ManualClock(), logger: QueueLogger = QueueLogger(sink: DiscardingLogSink()),
        random: @escaping @Sendable () -> Double = { 0.5 },
        _ body: (VirtualHost) async throws -> Result
    ) async throws -> Result {
        try await run(
            manifest: manifest, registry: registry, autoscaler: autoscaler, clock: clock, logger: logger, random: random,
            storeFaults: nil, body
        )
    }

    /// Starts a virtual host whose host talks to its store through `storeFaults`
    /// (``store`` itself stays fault-free for the driver), runs `body`, then stops it.
    package static func run<Result: Sendable>(
        manifest: Manifest, registry: FunctionRegistry, autoscaler: Autoscaler?, clock: ManualClock, logger: QueueLogger,
        random: @escaping @Sendable () -> Double, storeFaults: StoreFaultController?,
        _ body: (VirtualHost) async throws -> Result
    ) async throws -> Result {
        let executor = SimulationExecutor()
        defer { executor.shutdown() }
        return try await withTaskExecutorPreference(executor) {
            let virtual = try VirtualHost(
                manifest: manifest, registry: registry, autoscaler: autoscaler, clock: clock, logger: logger,
                random: random, executor: executor, storeFaults: storeFaults
            )
            return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
                let host = virtual.host
                if let autoscaler {
                    group.addTask { await host.run(scaling: { await autoscaler.run(host: $0) }) }
                } else {
                    host.startFixedPools()
                    group.addTask { await host.run() }
                }
                await virtual.settle()
                let result: Swift.Result<Result, any Error>
                do {
                    result = .success(try await body(virtual))
                } catch {
                    result = .failure(error)
                }
                host.stopNow()
                group.cancelAll()
                try await group.waitForAll()
                return try result.get()
            }
        }
    }

    /// Waits until every task of the host is parked: nothing more happens until the clock moves.
    public func settle() async {
        await executor.idle()
    }

    /// Moves the clock forward by `duration` and settles.
    public func advance(by duration: Duration) async {
        clock.advance(by: duration)
        await settle()
    }

    /// Moves the clock to `date` and settles.
    public func advance(to date: Date) async {
        clock.advance(to: date)
        await settle()
    }

    /// Advances the clock from one sleeper's deadline to the next (workers, handlers,
    /// the autoscaler), settling after each, until `date`.
    public func run(until date: Date) async {
        await settle()
        while let next = clock.nextDeadline, next <= date {
            await advance(to: next)
        }
        await advance(to: date)
    }
}
