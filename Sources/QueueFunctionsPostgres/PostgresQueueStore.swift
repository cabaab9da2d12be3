import QueueFunctions
import Foundation
import Synchronization

/// The networked engine: queues in a PostgreSQL database that several hosts share.
///
/// - Receives lease with `FOR UPDATE SKIP LOCKED`, so hosts never wait on each other's rows
///   and each message is leased by one host at a time.
/// - The database's clock owns visibility and lease expiry (see ``TimeSource``).
/// - Idle workers are woken by `LISTEN`/`NOTIFY`: a send on any host notifies in the same
///   transaction; each store keeps one listening connection and wakes its own waiters.
/// - Calls run on a few connections, each on a thread of its own, never on Swift's
///   cooperative pool. A lost connection fails the call with a retryable `.unavailable`
///   error and is opened again on the next call, with backoff while the server stays away.
/// - The host creates and migrates the schema (tables named `qf_…`) when it opens the store.
///
/// ```swift
/// let store = try await PostgresQueueStore(url: "postgres://app:secret@127.0.0.1:5432/queues")
/// try await store.send(Data("{}".utf8), to: "orders")
/// await store.close()
/// ```
public final class PostgresQueueStore: QueueStore {
    /// The server's URL without its password.
    public let location: String
    private let pool: PostgresConnectionPool

    /// One receive step per connection in flight: a function's receiver keeps as many
    /// as the pool has connections.
    public var receiveLanes: Int { pool.size }

    /// Batches per worker a receiver leases ahead: see ``prefetchBatches``.
    public var receivePrefetch: Int { Self.prefetchBatches }

    /// The batches per worker a receiver leases ahead on PostgreSQL.
    ///
    /// Each receive step is a commit that waits for the server's WAL flush, so a step
    /// carries many batches (measured with `QueueBenchmarks hosts`, one host of 4 workers:
    /// 19k msg/s end to end with 2 batches ahead, 31k with 16).
    public static let prefetchBatches = 16
    private let listener: PostgresListener
    private let hostClock: (any HostClock)?
    let signal: QueueSignal
    private let waitedQueues: WaitedQueues

    /// Connects to the database at `url`, creating or migrating the store's schema.
    ///
    /// - Parameters:
    ///   - url: `postgres://USER:PASSWORD@HOST:PORT/DATABASE?…` (or `postgresql://`); every
    ///     setting libpq reads in a URL works (`sslmode`, `connect_timeout`, …).
    ///   - options: Connections and time source.
    /// - Throws: ``QueueStoreError``: `.invalidArgument` for a URL that is not PostgreSQL's;
    ///   `.unavailable` when the server cannot be reached; `.unusableLocation` when the login
    ///   is refused, the database is missing or a permission is denied; `.newerSchema` when a
    ///   newer QueueFunctions wrote the database. Each names the URL without its password.
    public init(url: String, options: Options = Options()) async throws {
        let target = try PostgresTarget(url: url)
        location = target.redacted
        hostClock = options.time.hostClock
        let backends = PostgresBackends()
        pool = try await PostgresConnectionPool.start(target: target, size: options.connections, backends: backends) { connection in
            try PostgresSchema.prepare(connection)
        }
        let signal = QueueSignal()
        let waitedQueues = WaitedQueues()
        self.signal = signal
        self.waitedQueues = waitedQueues
        listener = PostgresListener(target: target, ownBackends: backends) { wakeUp in
            if let wakeUp {
                signal.notify(wakeUp.queue, count: wakeUp.count)
            } else {
                for queue in waitedQueues.names.withLock({ $0 }) { signal.notify(queue) }
            }
        }
    }

    deinit {
        pool.requestClose()
        listener.requestStop()
    }

    /// Whether the listening connection is up: false while the server is unreachable.
    public var isListening: Bool { listener.isConnected }

    private var hostNow: Date? { hostClock.map { $0.now() } }

    /// Runs `work` in one transaction; `transaction: false` for work of one statement
    /// (besides idempotent lookups), which then commits by itself in one round trip.
    func run<T: Sendable>(
        transaction: Bool = true, _ work: @escaping @Sendable (PostgresMessageTable) throws -> T
    ) async throws -> T {
        let now = hostNow
        return try await pool.perform(transaction: transaction) { connection in
            try work(PostgresMessageTable(connection: connection, hostNow: now))
        }
    }

    // MARK: - Sending and receiving

    /// Stores `messages` on `queue`; returns once they are committed, and wakes the
    /// waiters of every host that listens on the database.
    ///
    /// - Throws: ``QueueStoreError`` `.invalidArgument` when a message id is in use or given twice.
    public func send(_ messages: [OutgoingMessage], to queue: String) async throws {
        guard !messages.isEmpty else { return }
        // One statement (the insert notifies in the same statement): no BEGIN and COMMIT.
        let visible = try await run(transaction: false) { try $0.send(messages, to: queue) }
        if visible > 0 { signal.notify(queue, count: visible) }
    }

    /// Leases up to `maxCount` visible messages of `queue`, oldest first.
    public func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        guard maxCount > 0 else { return [] }
        // In a transaction of its own, not the pipelined step: measured across 3 idle hosts
        // at 1,000 msg/s, a receive with nothing to ack as one pipeline raised p99 send →
        // start from about 10 ms to about 15 ms (see settleAndReceive).
        return try await run { try $0.receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout) }
    }

    // MARK: - Settling

    /// Applies each settlement, in order, in one transaction.
    public func settle(_ settlements: [Settlement]) async throws -> [SettleResult] {
        guard !settlements.isEmpty else { return [] }
        let outcome = try await run { try $0.settle(settlements) }
        for (queue, count) in outcome.wake { signal.notify(queue, count: count) }
        return outcome.results
    }

    /// Applies `settlements`, then leases up to `maxCount` visible messages of `queue`,
    /// in one transaction.
    ///
    /// Acks alone (every finished batch) are one pipelined round trip
    /// (``PostgresMessageTable/ackAndReceive(_:from:maxCount:visibilityTimeout:)``); other
    /// settlements, and a step with nothing to settle, take the general path, statement by
    /// statement between BEGIN and COMMIT. (An idle host's receive as one pipeline was
    /// slower to start a new message: p99 send → start across 3 hosts at 1,000 msg/s went
    /// from about 10 ms to 15 ms, measured in Benchmarks/BENCHMARKS.md, session 5.)
    public func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        if !settlements.isEmpty, settlements.allSatisfy({ if case .ack = $0.action { true } else { false } }) {
            let acked = try await run(transaction: false) { table -> ([SettleResult], [String: Int], [Lease])? in
                guard let acked = try table.ackAndReceive(
                    settlements.map(\.token), from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout
                ) else { return nil }
                // The step has committed: wake other hosts for the group heads it released. A
                // failure here loses only a wake-up hint (a reconnecting listener wakes every queue).
                var wake: [String: Int] = [:]
                try? table.notifyReleased(acked.released, afterReceiving: acked.leases.count, of: maxCount, from: queue, into: &wake)
                return (acked.results, wake, acked.leases)
            }
            if let acked {
                for (queue, count) in acked.1 { signal.notify(queue, count: count) }
                return (acked.0, acked.2)
            }
        }
        let outcome = try await run { table in
            var released: [String: Int] = [:]
            var settled: (results: [SettleResult], wake: [String: Int]) =
                settlements.isEmpty ? ([], [:]) : try table.settle(settlements, releasedGroups: &released)
            let leases = try table.receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
            try table.notifyReleased(released, afterReceiving: leases.count, of: maxCount, from: queue, into: &settled.wake)
            return (settled.results, settled.wake, leases)
        }
        for (queue, count) in outcome.1 { signal.notify(queue, count: count) }
        return (outcome.0, outcome.2)
    }

    /// Renews a lease so that it lapses `visibilityTimeout` from now.
    public func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        // One statement: it commits by itself, without BEGIN and COMMIT round trips.
        try await run(transaction: false) { try $0.extend(token, visibilityTimeout: visibilityTimeout) }
    }

    // MARK: - Operations

    /// Moves dead-lettered messages back to their source queue (or `destination`), in
    /// transactions of at most 500 messages each.
    public func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        var moved = 0
        while moved < limit {
            let remaining = limit - moved
            let chunk = try await run {
                try $0.redriveChunk(from: deadLetterQueue, to: destination, limit: remaining)
            }
            for (queue, count) in chunk.wake { signal.notify(queue, count: count) }
            moved += chunk.moved
            if chunk.moved < min(remaining, PostgresMessageTable.chunkSize) { break }
        }
        return moved
    }

    /// Deletes every message that was in `queue` when the purge began, in transactions of
    /// at most 500 messages each.
    public func purge(_ queue: String) async throws -> Int {
        guard let newest = try await run({ try $0.newestArrival(queue) }) else { return 0 }
        var deleted = 0
        while true {
            let count = try await run { try $0.purgeChunk(queue, upTo: newest) }
            deleted += count
            if count < PostgresMessageTable.chunkSize { return deleted }
        }
    }

    /// Lists up to `limit` messages of `queue`, oldest first.
    public func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] {
        try await run { try $0.peek(queue, limit: limit) }
    }

    /// Counts the messages of `queue` by state, from kept counts (cheap on any backlog).
    public func stats(for queue: String) async throws -> QueueStats {
        // One pipelined round trip, its own implicit transaction.
        try await run(transaction: false) { try $0.stats(for: queue) }
    }

    /// The names of every queue that holds at least one message.
    public func queueNames() async throws -> [String] {
        try await run { try $0.queueNames() }
    }

    /// Waits for a send on any host sharing the database (through `LISTEN`/`NOTIFY`), the
    /// next delay or lease of `queue` to come due, or `deadline`, whichever comes first.
    public func waitForMessages(on queue: String, until deadline: Date) async {
        waitedQueues.names.withLock { _ = $0.insert(queue) }
        let generation = signal.generation(of: queue)
        let clock: any HostClock = hostClock ?? SystemClock()
        let wake: (now: Int64, visible: Bool, nextDue: Int64?)
        do {
            wake = try await run(transaction: false) { try $0.wakeTime(for: queue) }
        } catch {
            // The store is unreachable: wait out the deadline (or a reconnection's wake-up).
            await signal.wait(on: queue, ifGeneration: generation, until: deadline, clock: clock)
            return
        }
        guard !wake.visible else { return }
        var wakeAt = deadline
        if let due = wake.nextDue {
            // Convert the store's time to the host's: the same distance from now.
            let untilDue = Duration.nanoseconds(max(0, due - wake.now))
            wakeAt = min(deadline, clock.now().adding(untilDue))
        }
        guard wakeAt > clock.now() else { return }
        await signal.wait(on: queue, ifGeneration: generation, until: wakeAt, clock: clock)
    }

    /// Finishes the calls already made, closes every connection and stops the store's threads.
    /// Later calls throw ``QueueStoreError`` `.closed`.
    public func close() async {
        await pool.close()
        await listener.stop()
    }
}

/// The queues a store's workers have waited on: woken when the listener reconnects,
/// since sends made while it was away were not heard.
private final class WaitedQueues: Sendable {
    let names = Mutex<Set<String>>([])
}
