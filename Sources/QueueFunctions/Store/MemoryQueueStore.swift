import Foundation
import Synchronization

/// The in-memory engine: fast, exact, and gone when the process ends.
///
/// Used by tests, the simulator and `--store memory:`. All state sits behind one
/// lock; no call blocks for longer than its own bookkeeping.
public final class MemoryQueueStore: DeduplicatingQueueStore, HostRegistry, TransactionalOutboxStore, CancellingQueueStore {
    private let state: Mutex<MemoryStoreState>
    private let clock: any HostClock
    /// The keys of `FunctionContext.once(key:)` (MemoryQueueStore+Once).
    let onceKeys: OnceKeyTable
    private let signal = QueueSignal()

    /// Creates an empty in-memory store on `clock`.
    public init(clock: any HostClock = SystemClock()) {
        self.clock = clock
        self.onceKeys = OnceKeyTable(clock: clock)
        self.state = Mutex(MemoryStoreState())
    }

    /// An empty store that holds at most `limits` (tests reach the limits with small ones).
    init(clock: any HostClock, limits: MemoryStoreLimits) {
        self.clock = clock
        self.onceKeys = OnceKeyTable(clock: clock)
        self.state = Mutex(MemoryStoreState(limits: limits))
    }

    // MARK: - Sending and receiving

    /// Stores `messages` on `queue`.
    public func send(_ messages: [OutgoingMessage], to queue: String) async throws {
        let now = clock.now()
        try messages.checkDistinctIDs(queue: queue)
        let visibleNow = try state.withLock { state in
            try Self.checkOpen(state)
            return try state.insert(messages, to: queue, now: now)
        }
        if visibleNow > 0 { signal.notify(queue, count: visibleNow) }
    }

    /// Stores `message` unless `key` was used within `window`, in one step.
    public func send(
        _ message: OutgoingMessage, to queue: String, deduplicationKey key: String, window: Duration
    ) async throws -> SendReceipt {
        let now = clock.now()
        let (receipt, visibleNow) = try state.withLock { state -> (SendReceipt, Int) in
            try Self.checkOpen(state)
            if let existing = state.deduplication.lookup(key, now: now) {
                return (SendReceipt(id: existing, isDuplicate: true), 0)
            }
            let visible = try state.insert([message], to: queue, now: now)
            state.deduplication.record(key, id: message.id, expiresAt: now.adding(window), now: now)
            return (SendReceipt(id: message.id, isDuplicate: false), visible)
        }
        if visibleNow > 0 { signal.notify(queue, count: visibleNow) }
        return receipt
    }

    /// Records `host` as alive now.
    public func heartbeat(_ host: HostRecord) async throws {
        let now = clock.now()
        try state.withLock { state in
            try Self.checkOpen(state)
            var record = host
            record.lastSeen = now
            state.hosts[host.id] = record
        }
    }

    /// The hosts heard from within `window`, oldest start first.
    public func hosts(seenWithin window: Duration) async throws -> [HostRecord] {
        let since = clock.now().adding(.zero - window)
        return try state.withLock { state in
            try Self.checkOpen(state)
            return state.hosts.values.filter { $0.lastSeen >= since }.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        }
    }

    /// Forgets the host with `id`.
    public func removeHost(id: String) async throws {
        try state.withLock { state in
            try Self.checkOpen(state)
            state.hosts[id] = nil
        }
    }

    /// Leases up to `maxCount` visible messages of `queue`, oldest first.
    public func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            return state.lease(from: queue, maxCount: maxCount, expiry: now.adding(visibilityTimeout), now: now)
        }
    }

    // MARK: - Settling

    /// Applies each settlement, in order.
    public func settle(_ settlements: [Settlement]) async throws -> [SettleResult] {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let results: [SettleResult] = try state.withLock { state in
            try Self.checkOpen(state)
            return state.apply(settlements, now: now, wake: &wake)
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return results
    }

    /// Applies `settlements` and leases the next messages of `queue` under one lock.
    public func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let answer: ([SettleResult], [Lease]) = try state.withLock { state in
            try Self.checkOpen(state)
            let results = state.apply(settlements, now: now, wake: &wake)
            let leases = state.lease(from: queue, maxCount: maxCount, expiry: now.adding(visibilityTimeout), now: now)
            return (results, leases)
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return answer
    }

    /// Applies `settlements`, stores `outbox` when every one applied, then leases, under one lock.
    public func settle(
        _ settlements: [Settlement], outbox: [QueuedMessage], thenReceiveFrom queue: String, maxCount: Int,
        visibilityTimeout: Duration
    ) async throws -> OutboxSettlement {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let answer: OutboxSettlement = try state.withLock { state in
            try Self.checkOpen(state)
            try state.checkUnused(outbox.lazy.map(\.message.id))
            if !outbox.isEmpty, !settlements.allSatisfy({ state.currentSlot($0.token) != nil }) {
                return .rolledBack(settlements.count)
            }
            let results = state.apply(settlements, now: now, wake: &wake)
            let store = results.allSatisfy { $0 == .applied }
            if store {
                for group in outbox.byQueue {
                    let visible = try state.insert(group.messages, to: group.queue, now: now)
                    if visible > 0 { wake[group.queue, default: 0] += visible }
                }
            }
            let leases = state.lease(from: queue, maxCount: maxCount, expiry: now.adding(visibilityTimeout), now: now)
            return OutboxSettlement(results: results, outboxStored: store && !outbox.isEmpty, leases: leases)
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return answer
    }

    /// Renews a lease so that it lapses `visibilityTimeout` from now.
    public func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            return state.extend(token, until: now.adding(visibilityTimeout))
        }
    }

    // MARK: - Operations

    /// Moves dead-lettered messages back to their source queue (or `destination`).
    public func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let moved: Int = try state.withLock { state in
            try Self.checkOpen(state)
            return state.redrive(from: deadLetterQueue, to: destination, limit: limit, now: now, wake: &wake)
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return moved
    }

    /// Deletes every message of `queue`.
    public func purge(_ queue: String) async throws -> Int {
        try state.withLock { state in
            try Self.checkOpen(state)
            guard let number = state.queueNumber(queue) else { return 0 }
            return state.purge(number)
        }
    }

    /// Lists up to `limit` messages of `queue`, oldest first.
    public func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            guard let number = state.queueNumber(queue) else { return [] }
            state.promoteDue(number, now: now)
            let nowSeconds = now.timeIntervalSinceReferenceDate
            var messages: [StoredMessage] = []
            state.queue(number).forEachArrival(state.table) { slot in
                guard messages.count < limit else { return false }
                let record = state.table[slot]
                let messageState: MessageState
                switch record.phase {
                case .visible, .free: messageState = .visible
                case .delayed: messageState = .delayed(until: Date(timeIntervalSinceReferenceDate: record.until))
                case .inFlight: messageState = .inFlight(until: Date(timeIntervalSinceReferenceDate: record.until))
                case .held:
                    messageState = !record.until.isNaN && record.until > nowSeconds
                        ? .delayed(until: Date(timeIntervalSinceReferenceDate: record.until)) : .visible
                }
                let extras = state.table.extras(slot)
                var stored = StoredMessage(
                    id: state.table.id(slot), queue: queue, body: state.table.body(slot),
                    sentAt: Date(timeIntervalSinceReferenceDate: record.sentAt), receiveCount: Int(record.receiveCount),
                    firstReceivedAt: record.firstReceivedAt.isNaN ? nil : Date(timeIntervalSinceReferenceDate: record.firstReceivedAt),
                    failures: extras?.failures ?? [], deadLetter: extras?.deadLetter, state: messageState,
                    attributes: extras?.attributes ?? [:]
                )
                stored.priority = Int(record.priority)
                stored.groupID = extras?.groupID
                messages.append(stored)
                return true
            }
            return messages
        }
    }

    /// Counts the messages of `queue` by state.
    public func stats(for queue: String) async throws -> QueueStats {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            let deadLettered = state.deadLetteredBySource[queue] ?? 0
            guard let number = state.queueNumber(queue) else { return QueueStats(deadLettered: deadLettered) }
            state.promoteDue(number, now: now)
            let entry = state.queue(number)
            let head = entry.arrivalHead
            return QueueStats(
                visible: entry.visibleCount + entry.heldCount, delayed: entry.delayedCount, inFlight: entry.inFlightCount,
                oldestEnqueuedAt: head >= 0
                    ? Date(timeIntervalSinceReferenceDate: state.table.extras(head)?.enqueuedAt ?? state.table[head].sentAt) : nil,
                deadLettered: deadLettered, scheduled: entry.scheduledCount
            )
        }
    }

    /// The names of every queue that holds at least one message.
    public func queueNames() async throws -> [String] {
        try state.withLock { state in
            try Self.checkOpen(state)
            return state.nonEmptyQueueNames
        }
    }

    /// Waits for a send in this process or the next retry or lease to come due, or `deadline`.
    public func waitForMessages(on queue: String, until deadline: Date) async {
        let generation = signal.generation(of: queue)
        let now = clock.now()
        let wakeAt: Date? = state.withLock { state in
            if state.closed { return nil }
            guard let number = state.queueNumber(queue) else { return deadline }
            state.promoteDue(number, now: now)
            let entry = state.queue(number)
            if entry.visibleCount > 0 { return nil }
            if let due = entry.earliestTimer(state.table) { return min(Date(timeIntervalSinceReferenceDate: due), deadline) }
            return deadline
        }
        guard let wakeAt, wakeAt > now else { return }
        await signal.wait(on: queue, ifGeneration: generation, until: wakeAt, clock: clock)
    }

    /// Deletes message `id` of `queue` unless it is in flight.
    public func cancel(_ id: MessageID, on queue: String) async throws -> CancelResult {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let result: CancelResult = try state.withLock { state in
            try Self.checkOpen(state)
            return state.cancel(id, on: queue, now: now, wake: &wake)
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return result
    }

    /// How many timer entries and messages `queue` holds, and how many messages the store
    /// holds in all (for tests).
    func bookkeepingSizes(of queue: String) -> (timers: Int, arrivals: Int, records: Int) {
        state.withLock { state in
            guard let number = state.queueNumber(queue) else { return (0, 0, state.table.count) }
            var arrivals = 0
            state.queue(number).forEachArrival(state.table) { _ in
                arrivals += 1
                return true
            }
            return (state.queue(number).timers.count, arrivals, state.table.count)
        }
    }

    /// How many body segments the store has in use (for tests).
    func bodySegmentsInUse() -> Int {
        state.withLock { $0.table.arenaSegments }
    }

    /// Marks the store closed; later calls throw.
    public func close() async {
        state.withLock { $0.closed = true }
    }

    private static func checkOpen(_ state: MemoryStoreState) throws {
        if state.closed { throw QueueStoreError(.closed, "the in-memory store was closed; create a new one") }
    }
}

extension QueueStore where Self == MemoryQueueStore {
    /// An in-memory store on the system clock.
    public static var memory: MemoryQueueStore { MemoryQueueStore() }
}
