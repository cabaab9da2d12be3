import Foundation
import Synchronization

/// The in-memory engine: fast, exact, and gone when the process ends.
///
/// Used by tests, the simulator and `--store memory:`. All state sits behind one
/// lock; no call blocks for longer than its own bookkeeping.
public final class MemoryQueueStore: DeduplicatingQueueStore, HostRegistry, TransactionalOutboxStore, CancellingQueueStore {
    private enum Phase {
        case visible
        case delayed(until: Date)
        case inFlight(until: Date)
        /// Waiting behind an earlier message of its FIFO group; visible from `until` (if
        /// any) once it heads the group.
        case held(until: Date?)
    }

    private struct Record {
        var id: MessageID
        var queue: String
        var body: Data
        var attributes: [String: String]
        var priority: Int = 0
        var groupID: String?
        var sentAt: Date
        var enqueuedAt: Date
        var receiveCount: Int = 0
        var firstReceivedAt: Date?
        var failures: [FailureRecord] = []
        var deadLetter: DeadLetterInfo?
        var phase: Phase = .visible
        /// Changes on every transition; ring and timer entries with another stamp are stale.
        var stamp: UInt64
        /// Changes on every delivery; only the current receipt settles.
        var receipt: UInt64 = 0
        /// Identifies this stay in `queue`, for the insertion-order ring.
        var entry: UInt64
    }

    private struct Slot {
        var id: MessageID
        var stamp: UInt64
    }

    private struct Queue {
        /// Visible messages in receive order, one lane per priority (index = priority).
        var lanes = [RingBuffer<Slot>](repeating: RingBuffer<Slot>(), count: MessagePriority.highest + 1)
        var timers = MinHeap<Date, Slot>()
        var arrivals = RingBuffer<Slot>()
        /// Each FIFO group's messages in this queue, in arrival order; the first heads it.
        var groups: [String: RingBuffer<MessageID>] = [:]
        var visibleCount = 0
        var delayedCount = 0
        var inFlightCount = 0
        var heldCount = 0
        /// Delayed messages never received yet (sent with a delay or for a given time).
        var scheduledCount = 0
        var total: Int { visibleCount + delayedCount + inFlightCount + heldCount }
    }

    private struct State {
        var records: [MessageID: Record] = [:]
        var queues: [String: Queue] = [:]
        var deadLetteredBySource: [String: Int] = [:]
        var deduplication = DeduplicationKeys()
        var hosts: [String: HostRecord] = [:]
        var nextStamp: UInt64 = 0
        var closed = false

        mutating func stamp() -> UInt64 {
            nextStamp &+= 1
            return nextStamp
        }
    }

    private let state = Mutex(State())
    private let clock: any HostClock
    /// The keys of `FunctionContext.once(key:)` (MemoryQueueStore+Once).
    let onceKeys: OnceKeyTable
    private let signal = QueueSignal()

    /// Creates an empty in-memory store on `clock`.
    public init(clock: any HostClock = SystemClock()) {
        self.clock = clock
        self.onceKeys = OnceKeyTable(clock: clock)
    }

    // MARK: - Sending and receiving

    /// Stores `messages` on `queue`.
    public func send(_ messages: [OutgoingMessage], to queue: String) async throws {
        let now = clock.now()
        try messages.checkDistinctIDs(queue: queue)
        let visibleNow = try state.withLock { state in
            try Self.checkOpen(state)
            return try Self.insert(messages, to: queue, in: &state, now: now)
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
            let visible = try Self.insert([message], to: queue, in: &state, now: now)
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

    /// Adds `messages` to `queue`; returns how many are visible at once.
    private static func insert(_ messages: [OutgoingMessage], to queue: String, in state: inout State, now: Date) throws -> Int {
        for message in messages where state.records[message.id] != nil {
            throw QueueStoreError(.invalidArgument, "message id \(message.id) is already in use; send it with a new id")
        }
        var visibleNow = 0
        for message in messages {
            let visibleAt = message.visibleAt(sentAt: now)
            let stamp = state.stamp()
            var record = Record(
                id: message.id, queue: queue, body: message.body, attributes: message.attributes,
                priority: MessagePriority.clamped(message.priority), groupID: message.groupID, sentAt: now, enqueuedAt: now,
                stamp: stamp, entry: stamp
            )
            if visibleAt > now { record.phase = .delayed(until: visibleAt) }
            Self.joinGroup(&record, in: &state, now: now)
            state.records[message.id] = record
            Self.place(record, in: &state, now: now)
            state.queues[queue, default: Queue()].arrivals.append(Slot(id: record.id, stamp: record.entry))
            if case .visible = record.phase { visibleNow += 1 }
        }
        return visibleNow
    }

    /// Leases up to `maxCount` visible messages of `queue`, oldest first.
    public func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease] {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            return Self.lease(from: queue, maxCount: maxCount, expiry: now.adding(visibilityTimeout), in: &state, now: now)
        }
    }

    // MARK: - Settling

    /// Applies each settlement, in order.
    public func settle(_ settlements: [Settlement]) async throws -> [SettleResult] {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let results: [SettleResult] = try state.withLock { state in
            try Self.checkOpen(state)
            return Self.apply(settlements, in: &state, now: now, wake: &wake)
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
            let results = Self.apply(settlements, in: &state, now: now, wake: &wake)
            let leases = Self.lease(from: queue, maxCount: maxCount, expiry: now.adding(visibilityTimeout), in: &state, now: now)
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
            for item in outbox where state.records[item.message.id] != nil {
                throw QueueStoreError(.invalidArgument, "message id \(item.message.id) is already in use; send it with a new id")
            }
            if !outbox.isEmpty, !settlements.allSatisfy({ Self.isCurrent($0.token, in: state) }) {
                return .rolledBack(settlements.count)
            }
            let results = Self.apply(settlements, in: &state, now: now, wake: &wake)
            let store = results.allSatisfy { $0 == .applied }
            if store {
                for group in outbox.byQueue {
                    let visible = try Self.insert(group.messages, to: group.queue, in: &state, now: now)
                    if visible > 0 { wake[group.queue, default: 0] += visible }
                }
            }
            let leases = Self.lease(from: queue, maxCount: maxCount, expiry: now.adding(visibilityTimeout), in: &state, now: now)
            return OutboxSettlement(results: results, outboxStored: store && !outbox.isEmpty, leases: leases)
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return answer
    }

    /// Leases up to `maxCount` visible messages of `queue` (under the lock).
    private static func lease(from queue: String, maxCount: Int, expiry: Date, in state: inout State, now: Date) -> [Lease] {
        guard maxCount > 0, state.queues[queue] != nil else { return [] }
        promoteDue(queue, in: &state, now: now)
        // Taken out of the dictionary while changed: one lookup, and no copy of its buffers.
        guard var entry = state.queues.removeValue(forKey: queue) else { return [] }
        var leases: [Lease] = []
        leases.reserveCapacity(min(maxCount, entry.visibleCount))
        var lane = MessagePriority.highest
        while leases.count < maxCount, lane >= MessagePriority.lowest {
            guard let slot = entry.lanes[lane].popFirst() else {
                lane -= 1
                continue
            }
            guard var record = state.records[slot.id], record.stamp == slot.stamp,
                  case .visible = record.phase else { continue }
            record.receiveCount += 1
            if record.firstReceivedAt == nil { record.firstReceivedAt = now }
            record.phase = .inFlight(until: expiry)
            record.stamp = state.stamp()
            record.receipt = record.stamp
            entry.visibleCount -= 1
            entry.inFlightCount += 1
            entry.timers.insert(expiry, Slot(id: record.id, stamp: record.stamp))
            state.records[record.id] = record
            var message = ReceivedMessage(
                id: record.id, queue: queue, body: record.body, sentAt: record.sentAt,
                receiveCount: record.receiveCount, firstReceivedAt: record.firstReceivedAt ?? now,
                failures: record.failures, deadLetter: record.deadLetter, attributes: record.attributes
            )
            message.priority = record.priority
            message.groupID = record.groupID
            leases.append(Lease(message: message, token: LeaseToken(messageID: record.id, receipt: record.receipt), expiresAt: expiry))
        }
        compactIfNeeded(&entry, named: queue, records: state.records)
        state.queues[queue] = entry
        return leases
    }

    /// Applies `settlements` in order (under the lock), counting the queues to wake.
    /// Whether `token` is the current lease of an in-flight message.
    private static func isCurrent(_ token: LeaseToken, in state: State) -> Bool {
        guard let record = state.records[token.messageID], record.receipt == token.receipt,
              case .inFlight = record.phase else { return false }
        return true
    }

    private static func apply(_ settlements: [Settlement], in state: inout State, now: Date, wake: inout [String: Int]) -> [SettleResult] {
        settlements.map { settlement in
            guard var record = state.records[settlement.token.messageID],
                  record.receipt == settlement.token.receipt,
                  case .inFlight = record.phase else { return .staleLease }
            unplace(record, in: &state)
            switch settlement.action {
            case .ack:
                remove(record, in: &state)
                releaseGroup(of: record, in: &state, now: now, wake: &wake)
            case .retry(let delay, let failure):
                record.failures.append(failure)
                record.phase = delay > .zero ? .delayed(until: now.adding(delay)) : .visible
                record.stamp = state.stamp()
                if delay <= .zero { wake[record.queue, default: 0] += 1 }
                state.records[record.id] = record
                place(record, in: &state, now: now)
            case .deadLetter(let target, let failure):
                record.failures.append(failure)
                if let previous = record.deadLetter {
                    state.deadLetteredBySource[previous.sourceQueue, default: 1] -= 1
                }
                record.deadLetter = DeadLetterInfo(
                    sourceQueue: record.queue, receiveCount: record.receiveCount, reason: failure.error, at: now
                )
                state.deadLetteredBySource[record.queue, default: 0] += 1
                releaseGroup(of: record, in: &state, now: now, wake: &wake)
                move(&record, to: target, in: &state, now: now)
                wake[target, default: 0] += 1
            case .abandon:
                record.receiveCount = max(0, record.receiveCount - 1)
                if record.receiveCount == 0 { record.firstReceivedAt = nil }
                record.phase = .visible
                record.stamp = state.stamp()
                state.records[record.id] = record
                place(record, in: &state, now: now, front: true)
                wake[record.queue, default: 0] += 1
            }
            return .applied
        }
    }

    /// Renews a lease so that it lapses `visibilityTimeout` from now.
    public func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            guard var record = state.records[token.messageID], record.receipt == token.receipt,
                  case .inFlight = record.phase else { return .staleLease }
            let expiry = now.adding(visibilityTimeout)
            record.phase = .inFlight(until: expiry)
            record.stamp = state.stamp()
            state.records[record.id] = record
            state.queues[record.queue]?.timers.insert(expiry, Slot(id: record.id, stamp: record.stamp))
            return .applied
        }
    }

    // MARK: - Operations

    /// Moves dead-lettered messages back to their source queue (or `destination`).
    public func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int {
        let now = clock.now()
        var wake: [String: Int] = [:]
        let moved: Int = try state.withLock { state in
            try Self.checkOpen(state)
            guard let queue = state.queues[deadLetterQueue] else { return 0 }
            var candidates: [MessageID] = []
            queue.arrivals.forEach { slot in
                guard candidates.count < limit, let record = state.records[slot.id], record.entry == slot.stamp,
                      record.queue == deadLetterQueue else { return }
                if case .inFlight = record.phase { return }
                guard destination != nil || record.deadLetter != nil else { return }
                candidates.append(record.id)
            }
            for id in candidates {
                guard var record = state.records[id] else { continue }
                Self.unplace(record, in: &state)
                let target = destination ?? record.deadLetter?.sourceQueue ?? deadLetterQueue
                if let info = record.deadLetter {
                    state.deadLetteredBySource[info.sourceQueue, default: 1] -= 1
                }
                record.deadLetter = nil
                record.receiveCount = 0
                record.firstReceivedAt = nil
                Self.releaseGroup(of: record, in: &state, now: now, wake: &wake)
                Self.move(&record, to: target, in: &state, now: now)
                wake[target, default: 0] += 1
            }
            return candidates.count
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return moved
    }

    /// Deletes every message of `queue`.
    public func purge(_ queue: String) async throws -> Int {
        try state.withLock { state in
            try Self.checkOpen(state)
            guard let entry = state.queues[queue] else { return 0 }
            var removed = 0
            entry.arrivals.forEach { slot in
                guard let record = state.records[slot.id], record.entry == slot.stamp, record.queue == queue else { return }
                if let info = record.deadLetter {
                    state.deadLetteredBySource[info.sourceQueue, default: 1] -= 1
                }
                state.records.removeValue(forKey: record.id)
                removed += 1
            }
            state.queues[queue] = nil
            return removed
        }
    }

    /// Lists up to `limit` messages of `queue`, oldest first.
    public func peek(_ queue: String, limit: Int) async throws -> [StoredMessage] {
        let now = clock.now()
        return try state.withLock { state in
            try Self.checkOpen(state)
            Self.promoteDue(queue, in: &state, now: now)
            guard let entry = state.queues[queue] else { return [] }
            var messages: [StoredMessage] = []
            entry.arrivals.forEach { slot in
                guard messages.count < limit, let record = state.records[slot.id], record.entry == slot.stamp,
                      record.queue == queue else { return }
                let messageState: MessageState
                switch record.phase {
                case .visible: messageState = .visible
                case .delayed(let until): messageState = .delayed(until: until)
                case .inFlight(let until): messageState = .inFlight(until: until)
                case .held(let until): messageState = until.map { $0 > now ? .delayed(until: $0) : .visible } ?? .visible
                }
                var stored = StoredMessage(
                    id: record.id, queue: record.queue, body: record.body, sentAt: record.sentAt,
                    receiveCount: record.receiveCount, firstReceivedAt: record.firstReceivedAt,
                    failures: record.failures, deadLetter: record.deadLetter, state: messageState,
                    attributes: record.attributes
                )
                stored.priority = record.priority
                stored.groupID = record.groupID
                messages.append(stored)
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
            guard state.queues[queue] != nil else { return QueueStats(deadLettered: deadLettered) }
            Self.promoteDue(queue, in: &state, now: now)
            var oldest: Date?
            while let slot = state.queues[queue]?.arrivals.first {
                if let record = state.records[slot.id], record.entry == slot.stamp, record.queue == queue {
                    oldest = record.enqueuedAt
                    break
                }
                _ = state.queues[queue]?.arrivals.popFirst()
            }
            guard let entry = state.queues[queue] else { return QueueStats(deadLettered: deadLettered) }
            return QueueStats(
                visible: entry.visibleCount + entry.heldCount, delayed: entry.delayedCount, inFlight: entry.inFlightCount,
                oldestEnqueuedAt: oldest, deadLettered: deadLettered, scheduled: entry.scheduledCount
            )
        }
    }

    /// The names of every queue that holds at least one message.
    public func queueNames() async throws -> [String] {
        try state.withLock { state in
            try Self.checkOpen(state)
            return state.queues.filter { $0.value.total > 0 }.keys.sorted()
        }
    }

    /// Waits for a send in this process or the next retry or lease to come due, or `deadline`.
    public func waitForMessages(on queue: String, until deadline: Date) async {
        let generation = signal.generation(of: queue)
        let now = clock.now()
        let wakeAt: Date? = state.withLock { state in
            if state.closed { return nil }
            Self.promoteDue(queue, in: &state, now: now)
            guard let entry = state.queues[queue] else { return deadline }
            if entry.visibleCount > 0 { return nil }
            if let due = entry.timers.min?.key { return min(due, deadline) }
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
            guard let record = state.records[id], record.queue == queue else { return .notFound }
            if case .inFlight = record.phase { return .inFlight }
            Self.unplace(record, in: &state)
            Self.remove(record, in: &state)
            Self.releaseGroup(of: record, in: &state, now: now, wake: &wake)
            return .cancelled
        }
        for (queue, count) in wake { signal.notify(queue, count: count) }
        return result
    }

    /// How many timer and arrival entries `queue` holds, live and stale (for tests).
    func bookkeepingSizes(of queue: String) -> (timers: Int, arrivals: Int) {
        state.withLock { state in
            (state.queues[queue]?.timers.count ?? 0, state.queues[queue]?.arrivals.count ?? 0)
        }
    }

    /// Marks the store closed; later calls throw.
    public func close() async {
        state.withLock { $0.closed = true }
    }

    // MARK: - Bookkeeping (under the lock)

    private static func checkOpen(_ state: State) throws {
        if state.closed { throw QueueStoreError(.closed, "the in-memory store was closed; create a new one") }
    }

    /// Adds `record` to its queue's structures according to its phase.
    /// Mutates the queue in place: copying it out of the dictionary would copy its
    /// buffers on every call (quadratic sends).
    private static func place(_ record: Record, in state: inout State, now: Date, front: Bool = false) {
        let slot = Slot(id: record.id, stamp: record.stamp)
        Self.modify(record.queue, in: &state) { queue in
            switch record.phase {
            case .visible:
                if front { queue.lanes[record.priority].prepend(slot) } else { queue.lanes[record.priority].append(slot) }
                queue.visibleCount += 1
            case .delayed(let until):
                queue.timers.insert(until, slot)
                queue.delayedCount += 1
                if record.receiveCount == 0 { queue.scheduledCount += 1 }
            case .inFlight(let until):
                queue.timers.insert(until, slot)
                queue.inFlightCount += 1
            case .held:
                queue.heldCount += 1
            }
        }
    }

    /// Runs `body` on the queue named `name` (created when missing) without copying it.
    private static func modify(_ name: String, in state: inout State, _ body: (inout Queue) -> Void) {
        body(&state.queues[name, default: Queue()])
    }

    /// Takes `record` out of its queue's counts; stale ring and timer entries are skipped later.
    private static func unplace(_ record: Record, in state: inout State) {
        switch record.phase {
        case .visible: state.queues[record.queue]?.visibleCount -= 1
        case .delayed:
            state.queues[record.queue]?.delayedCount -= 1
            if record.receiveCount == 0 { state.queues[record.queue]?.scheduledCount -= 1 }
        case .inFlight: state.queues[record.queue]?.inFlightCount -= 1
        case .held: state.queues[record.queue]?.heldCount -= 1
        }
    }

    /// Deletes an already unplaced record.
    private static func remove(_ record: Record, in state: inout State) {
        if let info = record.deadLetter {
            state.deadLetteredBySource[info.sourceQueue, default: 1] -= 1
        }
        state.records.removeValue(forKey: record.id)
    }

    /// Puts an already unplaced record at the back of `target`, visible.
    private static func move(_ record: inout Record, to target: String, in state: inout State, now: Date) {
        record.queue = target
        record.phase = .visible
        record.enqueuedAt = now
        record.stamp = state.stamp()
        record.entry = record.stamp
        joinGroup(&record, in: &state, now: now)
        state.records[record.id] = record
        place(record, in: &state, now: now)
        state.queues[target]?.arrivals.append(Slot(id: record.id, stamp: record.entry))
    }

    /// Puts `record` (arriving in `record.queue`) at the back of its FIFO group there;
    /// it waits (held) unless the group was empty.
    private static func joinGroup(_ record: inout Record, in state: inout State, now: Date) {
        guard let group = record.groupID else { return }
        let id = record.id
        var waits = false
        modify(record.queue, in: &state) { queue in
            waits = !(queue.groups[group]?.isEmpty ?? true)
            queue.groups[group, default: RingBuffer()].append(id)
        }
        guard waits else { return }
        switch record.phase {
        case .delayed(let until): record.phase = .held(until: until)
        case .visible, .inFlight, .held: record.phase = .held(until: nil)
        }
    }

    /// Takes `record` out of its FIFO group in `record.queue` (it is leaving the queue)
    /// and lets the group's next message go: visible, or delayed until its time.
    private static func releaseGroup(of record: Record, in state: inout State, now: Date, wake: inout [String: Int]) {
        guard let group = record.groupID, state.queues[record.queue]?.groups[group] != nil else { return }
        var nextID: MessageID?
        modify(record.queue, in: &state) { queue in
            // Taken out of the dictionary, so that changing it does not copy its buffer.
            guard var members = queue.groups.removeValue(forKey: group) else { return }
            if members.first == record.id {
                _ = members.popFirst()
            } else {
                members.filter { $0 != record.id }
            }
            nextID = members.first
            if !members.isEmpty { queue.groups[group] = members }
        }
        guard let nextID, var next = state.records[nextID], case .held(let until) = next.phase else { return }
        unplace(next, in: &state)
        if let until, until > now {
            next.phase = .delayed(until: until)
        } else {
            next.phase = .visible
            wake[next.queue, default: 0] += 1
        }
        next.stamp = state.stamp()
        state.records[next.id] = next
        place(next, in: &state, now: now)
    }

    /// Drops the stale entries of a queue's timer heap and arrival ring once they outnumber
    /// the live ones (acked messages leave their lease timer and arrival entry behind), so a
    /// long-running host's memory follows its backlog, not the messages it ever handled.
    /// Checked on every lease; the work is amortized O(1) per message.
    private static func compactIfNeeded(_ entry: inout Queue, named name: String, records: [MessageID: Record]) {
        if entry.timers.count > 2 * (entry.delayedCount + entry.inFlightCount) + 1_024 {
            entry.timers.filter { _, slot in
                guard let record = records[slot.id], record.stamp == slot.stamp, record.queue == name else { return false }
                switch record.phase {
                case .visible, .held: return false
                case .delayed, .inFlight: return true
                }
            }
        }
        if entry.arrivals.count > 2 * entry.total + 1_024 {
            entry.arrivals.filter { slot in
                guard let record = records[slot.id] else { return false }
                return record.entry == slot.stamp && record.queue == name
            }
        }
    }

    /// Makes delayed messages and lapsed leases of `queue` whose time has come visible.
    private static func promoteDue(_ queue: String, in state: inout State, now: Date) {
        guard let due = state.queues[queue]?.timers.min, due.key <= now,
              // Moved out of the dictionary so that mutating it does not copy its buffers.
              var entry = state.queues.removeValue(forKey: queue) else { return }
        while let next = entry.timers.min, next.key <= now {
            _ = entry.timers.popMin()
            guard var record = state.records[next.value.id], record.stamp == next.value.stamp,
                  record.queue == queue else { continue }
            switch record.phase {
            case .visible, .held:
                continue
            case .delayed:
                entry.delayedCount -= 1
                if record.receiveCount == 0 { entry.scheduledCount -= 1 }
            case .inFlight:
                entry.inFlightCount -= 1
            }
            record.phase = .visible
            record.stamp = state.stamp()
            entry.lanes[record.priority].append(Slot(id: record.id, stamp: record.stamp))
            entry.visibleCount += 1
            state.records[record.id] = record
        }
        state.queues[queue] = entry
    }
}

extension QueueStore where Self == MemoryQueueStore {
    /// An in-memory store on the system clock.
    public static var memory: MemoryQueueStore { MemoryQueueStore() }
}
