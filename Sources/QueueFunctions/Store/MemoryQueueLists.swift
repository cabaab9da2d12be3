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
    /// Delayed and in-flight slots with their receipts, a binary min-heap on (`until`, `receipt`).
    private(set) var timers: [MemoryTimer] = []
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
        timers.first?.until
    }

    /// Enters the record in `slot` (delayed or in flight, its `until` set) with `receipt`.
    mutating func pushTimer(_ slot: Int32, receipt: UInt64, _ table: inout MemoryRecordTable) {
        timers.append(MemoryTimer(until: table[slot].until, receipt: receipt, slot: slot))
        table[slot].heapIndex = Int32(timers.count - 1)
        siftUp(timers.count - 1, &table)
    }

    /// The receipt of the record in `slot` while it is in the timer heap.
    func receipt(of slot: Int32, _ table: MemoryRecordTable) -> UInt64? {
        let index = Int(table[slot].heapIndex)
        guard index >= 0, index < timers.count, timers[index].slot == slot else { return nil }
        return timers[index].receipt
    }

    /// Takes the record in `slot` out of the timer heap; returns its receipt.
    @discardableResult
    mutating func removeTimer(_ slot: Int32, _ table: inout MemoryRecordTable) -> UInt64? {
        let index = Int(table[slot].heapIndex)
        guard index >= 0, index < timers.count, timers[index].slot == slot else { return nil }
        let receipt = timers[index].receipt
        table[slot].heapIndex = -1
        let last = timers.removeLast()
        guard index < timers.count else { return receipt }
        timers[index] = last
        table[last.slot].heapIndex = Int32(index)
        siftDown(index, &table)
        siftUp(Int(table[last.slot].heapIndex), &table)
        return receipt
    }

    /// Takes the earliest timer's slot if its time is at or before `now`.
    mutating func popDueTimer(now: Double, _ table: inout MemoryRecordTable) -> Int32? {
        guard let first = timers.first, first.until <= now else { return nil }
        removeTimer(first.slot, &table)
        return first.slot
    }

    /// Whether `entry` fires before `other`.
    private static func earlier(_ entry: MemoryTimer, than other: MemoryTimer) -> Bool {
        entry.until < other.until || (entry.until == other.until && entry.receipt < other.receipt)
    }

    // Both sifts move a hole instead of swapping: the moving entry is written once. The
    // entries carry their times, so comparing reads no record.

    private mutating func siftUp(_ start: Int, _ table: inout MemoryRecordTable) {
        var index = start
        let moving = timers[index]
        while index > 0 {
            let parent = (index - 1) / 2
            guard Self.earlier(moving, than: timers[parent]) else { break }
            putTimer(timers[parent], at: index, &table)
            index = parent
        }
        if index != start { putTimer(moving, at: index, &table) }
    }

    private mutating func siftDown(_ start: Int, _ table: inout MemoryRecordTable) {
        var index = start
        let moving = timers[index]
        while true {
            let left = 2 * index + 1, right = left + 1
            guard left < timers.count else { break }
            var child = left
            if right < timers.count {
                if Self.earlier(timers[right], than: timers[left]) { child = right }
            }
            // Receipts are unique, so (until, receipt) orders entries strictly.
            guard !Self.earlier(moving, than: timers[child]) else { break }
            putTimer(timers[child], at: index, &table)
            index = child
        }
        if index != start { putTimer(moving, at: index, &table) }
    }

    private mutating func putTimer(_ entry: MemoryTimer, at index: Int, _ table: inout MemoryRecordTable) {
        timers[index] = entry
        table[entry.slot].heapIndex = Int32(index)
    }
}

/// A delayed or in-flight message in its queue's timer heap, with its receipt: only these
/// phases need one (a lease token is current while its receipt matches; equal times fire
/// in the order they were set), so the receipt is kept here instead of in every record.
/// The entry repeats the record's `until` (set before the entry is pushed, and not changed
/// while it is in the heap), so that the heap orders itself without reading records.
struct MemoryTimer {
    var until: Double
    var receipt: UInt64
    var slot: Int32
}
