import Foundation

/// Everything ``MemoryQueueStore`` keeps behind its lock: the records, the queues, and the
/// moves between states. Each method is one step of a store call.
struct MemoryStoreState {
    var table: MemoryRecordTable
    private var queueNumbers: [String: Int32] = [:]
    var queues: [MemoryQueue] = []
    var deadLetteredBySource: [String: Int] = [:]
    var deduplication = DeduplicationKeys()
    var hosts: [String: HostRecord] = [:]
    private var nextReceipt: UInt64 = 0
    var closed = false

    init(limits: MemoryStoreLimits = MemoryStoreLimits()) {
        table = MemoryRecordTable(limits: limits)
    }

    private mutating func newReceipt() -> UInt64 {
        nextReceipt &+= 1
        return nextReceipt
    }

    /// The number of the queue named `name`, if it ever held a message.
    func queueNumber(_ name: String) -> Int32? { queueNumbers[name] }

    private mutating func queueNumber(creating name: String) -> Int32 {
        if let number = queueNumbers[name] { return number }
        let number = Int32(queues.count)
        queues.append(MemoryQueue(name: name))
        queueNumbers[name] = number
        return number
    }

    func queue(_ number: Int32) -> MemoryQueue { queues[Int(number)] }

    /// The names of every queue that holds at least one message.
    var nonEmptyQueueNames: [String] { queues.filter { $0.total > 0 }.map(\.name).sorted() }

    // MARK: - Sending and leasing

    /// Throws when one of `ids` is already stored.
    func checkUnused<IDs: Sequence<MessageID>>(_ ids: IDs) throws {
        for id in ids where table.slot(of: id) != nil {
            throw QueueStoreError(.invalidArgument, "message id \(id) is already in use; send it with a new id")
        }
    }

    /// Adds `messages` to `queue`; returns how many are visible at once.
    mutating func insert(_ messages: [OutgoingMessage], to queue: String, now: Date) throws -> Int {
        try checkUnused(messages.lazy.map(\.id))
        try table.checkRoom(for: messages)
        let number = queueNumber(creating: queue)
        let nowSeconds = now.timeIntervalSinceReferenceDate
        var visibleNow = 0
        for message in messages {
            // The common case (no delay, no time) without date arithmetic.
            let visibleAt = message.scheduledAt == nil && message.delay <= .zero ? now : message.visibleAt(sentAt: now)
            let extras = message.attributes.isEmpty && message.groupID == nil
                ? nil : MemoryRecordExtras(attributes: message.attributes, groupID: message.groupID)
            var record = MemoryRecord(
                phase: .visible, priority: UInt8(MessagePriority.clamped(message.priority)), queue: number, sentAt: nowSeconds
            )
            if visibleAt > now {
                record.phase = .delayed
                record.until = visibleAt.timeIntervalSinceReferenceDate
            }
            let slot = try table.insert(record, id: message.id, body: message.body, extras: extras)
            joinGroup(slot)
            place(slot)
            queues[Int(number)].appendArrival(slot, &table)
            if table[slot].phase == .visible { visibleNow += 1 }
        }
        return visibleNow
    }

    /// Leases up to `maxCount` visible messages of `queue`, highest priority first, then oldest.
    mutating func lease(from queue: String, maxCount: Int, expiry: Date, now: Date) -> [Lease] {
        guard maxCount > 0, let number = queueNumbers[queue] else { return [] }
        let q = Int(number)
        promoteDue(number, now: now)
        var leases: [Lease] = []
        leases.reserveCapacity(min(maxCount, queues[q].visibleCount))
        let nowSeconds = now.timeIntervalSinceReferenceDate
        let expirySeconds = expiry.timeIntervalSinceReferenceDate
        while leases.count < maxCount, let slot = queues[q].popVisible(&table) {
            queues[q].visibleCount -= 1
            queues[q].inFlightCount += 1
            let receipt = newReceipt()
            table[slot].receiveCount += 1
            if table[slot].firstReceivedAt.isNaN { table[slot].firstReceivedAt = nowSeconds }
            table[slot].phase = .inFlight
            table[slot].until = expirySeconds
            queues[q].pushTimer(slot, receipt: receipt, &table)
            // Fields read in place and the lease built in the array, then completed there: no
            // record, message or lease copies.
            let id = table.id(slot)
            leases.append(
                Lease(
                    message: ReceivedMessage(
                        id: id, queue: queue, body: Data(), sentAt: Date(timeIntervalSinceReferenceDate: table[slot].sentAt),
                        receiveCount: Int(table[slot].receiveCount),
                        firstReceivedAt: Date(timeIntervalSinceReferenceDate: table[slot].firstReceivedAt)
                    ),
                    token: LeaseToken(messageID: id, receipt: receipt, engineKey: Int64(slot) + 1), expiresAt: expiry
                )
            )
            let last = leases.count - 1
            leases[last].message.priority = Int(table[slot].priority)
            if let extras = table.extras(slot) {
                leases[last].message.failures = extras.failures
                leases[last].message.deadLetter = extras.deadLetter
                leases[last].message.attributes = extras.attributes
                leases[last].message.groupID = extras.groupID
            }
        }
        // The bodies last, all at once: the batch's bodies share a few allocations.
        table.attachBodies(to: &leases)
        return leases
    }

    // MARK: - Settling

    /// The slot of the message `token` leased, while that lease is current.
    func currentSlot(_ token: LeaseToken) -> Int32? {
        let found = token.engineKey > 0 ? table.slot(engineKey: token.engineKey) : table.slot(of: token.messageID)
        guard let slot = found else { return nil }
        guard table[slot].phase == .inFlight, queues[Int(table[slot].queue)].receipt(of: slot, table) == token.receipt,
            table.holds(token.messageID, in: slot)
        else {
            return nil
        }
        return slot
    }

    /// Applies `settlements` in order, counting the queues to wake.
    mutating func apply(_ settlements: [Settlement], now: Date, wake: inout [String: Int]) -> [SettleResult] {
        var results: [SettleResult] = []
        results.reserveCapacity(settlements.count)
        for settlement in settlements {
            guard let slot = currentSlot(settlement.token) else {
                results.append(.staleLease)
                continue
            }
            apply(settlement.action, to: slot, now: now, wake: &wake)
            results.append(.applied)
        }
        return results
    }

    private mutating func apply(_ action: SettlementAction, to slot: Int32, now: Date, wake: inout [String: Int]) {
        unplace(slot)
        // The queue's name is read only where a wake or provenance needs it (not on an ack).
        var name: String { queues[Int(table[slot].queue)].name }
        switch action {
        case .ack:
            releaseGroup(of: slot, now: now, wake: &wake)
            removeRecord(slot)
        case .retry(let delay, let failure):
            table.ensureExtras(slot).failures.append(failure)
            if delay > .zero {
                table[slot].phase = .delayed
                table[slot].until = now.adding(delay).timeIntervalSinceReferenceDate
            } else {
                table[slot].phase = .visible
                wake[name, default: 0] += 1
            }
            place(slot)
        case .deadLetter(let target, let failure):
            let source = name
            let extras = table.ensureExtras(slot)
            extras.failures.append(failure)
            if let previous = extras.deadLetter {
                deadLetteredBySource[previous.sourceQueue, default: 1] -= 1
            }
            extras.deadLetter = DeadLetterInfo(
                sourceQueue: source, receiveCount: Int(table[slot].receiveCount), reason: failure.error, at: now
            )
            deadLetteredBySource[source, default: 0] += 1
            releaseGroup(of: slot, now: now, wake: &wake)
            move(slot, to: target, now: now)
            wake[target, default: 0] += 1
        case .abandon:
            table[slot].receiveCount = max(0, table[slot].receiveCount - 1)
            if table[slot].receiveCount == 0 { table[slot].firstReceivedAt = .nan }
            table[slot].phase = .visible
            place(slot, front: true)
            wake[name, default: 0] += 1
        }
    }

    /// Renews the lease `token` until `expiry`.
    mutating func extend(_ token: LeaseToken, until expiry: Date) -> SettleResult {
        guard let slot = currentSlot(token) else { return .staleLease }
        let q = Int(table[slot].queue)
        // The same receipt: the token stays current.
        let receipt = queues[q].removeTimer(slot, &table) ?? token.receipt
        table[slot].until = expiry.timeIntervalSinceReferenceDate
        queues[q].pushTimer(slot, receipt: receipt, &table)
        return .applied
    }

    /// Makes delayed messages and lapsed leases of queue `number` whose time has come visible.
    mutating func promoteDue(_ number: Int32, now: Date) {
        let q = Int(number)
        let nowSeconds = now.timeIntervalSinceReferenceDate
        while let slot = queues[q].popDueTimer(now: nowSeconds, &table) {
            switch table[slot].phase {
            case .delayed:
                queues[q].delayedCount -= 1
                if table[slot].receiveCount == 0 { queues[q].scheduledCount -= 1 }
            case .inFlight:
                queues[q].inFlightCount -= 1
            case .visible, .held, .free:
                continue
            }
            table[slot].phase = .visible
            table[slot].until = .nan
            queues[q].pushLane(slot, front: false, &table)
            queues[q].visibleCount += 1
        }
    }

    // MARK: - Bookkeeping (also used by MemoryStoreState+Operations)

    /// Adds the record in `slot` to its queue's lists and counts according to its phase.
    mutating func place(_ slot: Int32, front: Bool = false) {
        let q = Int(table[slot].queue)
        switch table[slot].phase {
        case .visible:
            queues[q].pushLane(slot, front: front, &table)
            queues[q].visibleCount += 1
        case .delayed:
            queues[q].pushTimer(slot, receipt: newReceipt(), &table)
            queues[q].delayedCount += 1
            if table[slot].receiveCount == 0 { queues[q].scheduledCount += 1 }
        case .inFlight:
            // Not reached: a lease enters the timers in `lease`, with the receipt its token carries.
            queues[q].pushTimer(slot, receipt: newReceipt(), &table)
            queues[q].inFlightCount += 1
        case .held:
            queues[q].heldCount += 1
        case .free:
            break
        }
    }

    /// Takes the record in `slot` out of its queue's lane or timers and counts.
    mutating func unplace(_ slot: Int32) {
        let q = Int(table[slot].queue)
        switch table[slot].phase {
        case .visible:
            queues[q].removeLane(slot, &table)
            queues[q].visibleCount -= 1
        case .delayed:
            queues[q].removeTimer(slot, &table)
            queues[q].delayedCount -= 1
            if table[slot].receiveCount == 0 { queues[q].scheduledCount -= 1 }
        case .inFlight:
            queues[q].removeTimer(slot, &table)
            queues[q].inFlightCount -= 1
        case .held:
            queues[q].heldCount -= 1
        case .free:
            break
        }
    }

    /// Deletes an already unplaced record.
    mutating func removeRecord(_ slot: Int32) {
        if let info = table.extras(slot)?.deadLetter {
            deadLetteredBySource[info.sourceQueue, default: 1] -= 1
        }
        queues[Int(table[slot].queue)].removeArrival(slot, &table)
        table.remove(slot)
    }

    /// Puts an already unplaced record at the back of `target`, visible.
    mutating func move(_ slot: Int32, to target: String, now: Date) {
        queues[Int(table[slot].queue)].removeArrival(slot, &table)
        let number = queueNumber(creating: target)
        table[slot].queue = number
        table[slot].phase = .visible
        table[slot].until = .nan
        table.ensureExtras(slot).enqueuedAt = now.timeIntervalSinceReferenceDate
        joinGroup(slot)
        place(slot)
        queues[Int(number)].appendArrival(slot, &table)
    }

    /// Puts the record in `slot` at the back of its FIFO group in its queue; it waits
    /// (held) unless the group was empty.
    mutating func joinGroup(_ slot: Int32) {
        guard let group = table.extras(slot)?.groupID else { return }
        let q = Int(table[slot].queue)
        let waits = !(queues[q].groups[group]?.isEmpty ?? true)
        queues[q].groups[group, default: RingBuffer()].append(slot)
        guard waits else { return }
        if table[slot].phase != .delayed { table[slot].until = .nan }
        table[slot].phase = .held
    }

    /// Takes the record in `slot` out of its FIFO group (it is leaving its queue) and lets
    /// the group's next message go: visible, or delayed until its time.
    mutating func releaseGroup(of slot: Int32, now: Date, wake: inout [String: Int]) {
        guard let group = table.extras(slot)?.groupID else { return }
        let q = Int(table[slot].queue)
        // Taken out of the dictionary, so that changing it does not copy its buffer.
        guard var members = queues[q].groups.removeValue(forKey: group) else { return }
        if members.first == slot {
            _ = members.popFirst()
        } else {
            members.filter { $0 != slot }
        }
        let nextSlot = members.first
        if !members.isEmpty { queues[q].groups[group] = members }
        guard let next = nextSlot, table[next].phase == .held else { return }
        unplace(next)
        let until = table[next].until
        if !until.isNaN, until > now.timeIntervalSinceReferenceDate {
            table[next].phase = .delayed
        } else {
            table[next].phase = .visible
            table[next].until = .nan
            wake[queues[q].name, default: 0] += 1
        }
        place(next)
    }
}
