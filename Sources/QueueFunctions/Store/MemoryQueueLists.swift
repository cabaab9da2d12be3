import Foundation

/// One queue of the memory engine: its messages in arrival order, its visible messages in
/// one lane per priority, its timers, its FIFO groups and its counts. Lists are linked
/// through the records themselves (``MemoryRecord``), so a message costs no entry of its
/// own here and leaving a list is O(1): nothing stale is left behind.
struct MemoryQueue {
    let name: String
    /// First and last slot of each priority lane (index = priority).
    private var laneHeads = [Int32](repeating: -1, count: MessagePriority.highest + 1)
    private var laneTails = [Int32](repeating: -1, count: MessagePriority.highest + 1)
    /// First and last slot in arrival order.
    private(set) var arrivalHead: Int32 = -1
    private var arrivalTail: Int32 = -1
    /// Delayed and in-flight slots with their receipts, earliest (`until`, `receipt`) first.
    private(set) var timers = MemoryTimers()
    /// Each FIFO group's slots in this queue, in arrival order; the first heads it.
    var groups: [String: RingBuffer<Int32>] = [:]
    var visibleCount = 0
    var delayedCount = 0
    var inFlightCount = 0
    var heldCount = 0
    /// Delayed messages never received yet (sent with a delay or for a given time).
    var scheduledCount = 0
    var total: Int { visibleCount + delayedCount + inFlightCount + heldCount }

    init(name: String) {
        self.name = name
    }

    // MARK: Arrival order

    mutating func appendArrival(_ slot: Int32, _ table: inout MemoryRecordTable) {
        table[slot].arrivalPrev = arrivalTail
        table[slot].arrivalNext = -1
        if arrivalTail >= 0 { table[arrivalTail].arrivalNext = slot } else { arrivalHead = slot }
        arrivalTail = slot
    }

    mutating func removeArrival(_ slot: Int32, _ table: inout MemoryRecordTable) {
        let prev = table[slot].arrivalPrev, next = table[slot].arrivalNext
        if prev >= 0 { table[prev].arrivalNext = next } else { arrivalHead = next }
        if next >= 0 { table[next].arrivalPrev = prev } else { arrivalTail = prev }
        table[slot].arrivalPrev = -1
        table[slot].arrivalNext = -1
    }

    /// The slots in arrival order, while `body` returns true.
    func forEachArrival(_ table: MemoryRecordTable, _ body: (Int32) -> Bool) {
        var slot = arrivalHead
        while slot >= 0 {
            let next = table[slot].arrivalNext
            guard body(slot) else { return }
            slot = next
        }
    }

    // MARK: Priority lanes

    mutating func pushLane(_ slot: Int32, front: Bool, _ table: inout MemoryRecordTable) {
        let lane = Int(table[slot].priority)
        if front {
            let head = laneHeads[lane]
            table[slot].lanePrev = -1
            table[slot].laneNext = head
            if head >= 0 { table[head].lanePrev = slot } else { laneTails[lane] = slot }
            laneHeads[lane] = slot
        } else {
            let tail = laneTails[lane]
            table[slot].lanePrev = tail
            table[slot].laneNext = -1
            if tail >= 0 { table[tail].laneNext = slot } else { laneHeads[lane] = slot }
            laneTails[lane] = slot
        }
    }

    mutating func removeLane(_ slot: Int32, _ table: inout MemoryRecordTable) {
        let lane = Int(table[slot].priority)
        let prev = table[slot].lanePrev, next = table[slot].laneNext
        if prev >= 0 { table[prev].laneNext = next } else { laneHeads[lane] = next }
        if next >= 0 { table[next].lanePrev = prev } else { laneTails[lane] = prev }
        table[slot].lanePrev = -1
        table[slot].laneNext = -1
    }

    /// Takes the first visible slot of the highest non-empty lane.
    mutating func popVisible(_ table: inout MemoryRecordTable) -> Int32? {
        var lane = MessagePriority.highest
        while lane >= MessagePriority.lowest {
            let head = laneHeads[lane]
            if head >= 0 {
                removeLane(head, &table)
                return head
            }
            lane -= 1
        }
        return nil
    }

    // MARK: Timers

    /// The earliest timer's time, if any.
    func earliestTimer(_ table: MemoryRecordTable) -> Double? {
        timers.earliest
    }

    /// Enters the record in `slot` (delayed or in flight, its `until` set) with `receipt`.
    mutating func pushTimer(_ slot: Int32, receipt: UInt64, _ table: inout MemoryRecordTable) {
        timers.push(slot, receipt: receipt, &table)
    }

    /// The receipt of the record in `slot` while it has a timer.
    func receipt(of slot: Int32, _ table: MemoryRecordTable) -> UInt64? {
        timers.receipt(of: slot, table)
    }

    /// Takes the record in `slot` out of the timers; returns its receipt.
    @discardableResult
    mutating func removeTimer(_ slot: Int32, _ table: inout MemoryRecordTable) -> UInt64? {
        timers.remove(slot, &table)
    }

    /// Takes the earliest timer's slot if its time is at or before `now`.
    mutating func popDueTimer(now: Double, _ table: inout MemoryRecordTable) -> Int32? {
        timers.popDue(now: now, &table)
    }
}
