import Foundation

/// A delayed or in-flight message in its queue's timers, with its receipt: only these
/// phases need one (a lease token is current while its receipt matches; equal times fire
/// in the order they were set), so the receipt is kept here instead of in every record.
/// The entry repeats the record's `until` (set before the entry is pushed, and not changed
/// while it is in), so that the timers order themselves without reading records.
struct MemoryTimer {
    var until: Double
    var receipt: UInt64
    /// The record's slot; -1 in a removed entry of the ordered run.
    var slot: Int32
}

/// One queue's timers, earliest (`until`, then receipt) first: a sorted run for entries
/// that come in order, and a binary min-heap for the rest.
///
/// Leases come in order: each one's expiry is the latest yet when the visibility timeout
/// does not change, and its receipt the newest. Those entries are appended to the run,
/// and the first of them is the run's earliest, so entering and leaving cost O(1): a
/// settled lease marks its entry removed, and the run's front skips removed entries. Only
/// an entry that would not keep the run sorted (a delay, a renewal that is not the
/// latest) goes to the heap. The record's `heapIndex` tells where its entry is: a heap
/// index (>= 0), or -2 - its index in the run; -1 when it has none.
struct MemoryTimers {
    private var heap: [MemoryTimer] = []
    private var run: [MemoryTimer] = []
    /// The run's first entry that may be live; live entries in the run.
    private var runHead = 0
    private var runLive = 0

    /// Entries held, removed ones still in the run included (for tests).
    var count: Int { heap.count + run.count - runHead }

    /// The earliest time, if any.
    var earliest: Double? { first?.until }

    /// The earliest entry.
    private var first: MemoryTimer? {
        let fromRun = runLive > 0 ? run[runHead] : nil
        guard let root = heap.first else { return fromRun }
        guard let fromRun else { return root }
        return Self.earlier(fromRun, than: root) ? fromRun : root
    }

    /// Enters the record in `slot` (its `until` set) with `receipt`.
    mutating func push(_ slot: Int32, receipt: UInt64, _ table: inout MemoryRecordTable) {
        let entry = MemoryTimer(until: table[slot].until, receipt: receipt, slot: slot)
        // The run's last entry keeps its time and receipt when removed: the run stays sorted.
        if run.last.map({ Self.earlier($0, than: entry) }) ?? true {
            run.append(entry)
            runLive += 1
            table[slot].heapIndex = -2 - Int32(run.count - 1)
            return
        }
        heap.append(entry)
        table[slot].heapIndex = Int32(heap.count - 1)
        siftUp(heap.count - 1, &table)
    }

    /// The receipt of the record in `slot` while it has an entry.
    func receipt(of slot: Int32, _ table: MemoryRecordTable) -> UInt64? {
        let position = Int(table[slot].heapIndex)
        if position >= 0 {
            guard position < heap.count, heap[position].slot == slot else { return nil }
            return heap[position].receipt
        }
        let index = -2 - position
        guard index >= runHead, index < run.count, run[index].slot == slot else { return nil }
        return run[index].receipt
    }

    /// Takes the entry of the record in `slot` out; returns its receipt.
    @discardableResult
    mutating func remove(_ slot: Int32, _ table: inout MemoryRecordTable) -> UInt64? {
        guard let receipt = receipt(of: slot, table) else { return nil }
        let position = Int(table[slot].heapIndex)
        table[slot].heapIndex = -1
        if position < 0 {
            removeFromRun(at: -2 - position, &table)
            return receipt
        }
        let last = heap.removeLast()
        guard position < heap.count else { return receipt }
        heap[position] = last
        table[last.slot].heapIndex = Int32(position)
        siftDown(position, &table)
        siftUp(Int(table[last.slot].heapIndex), &table)
        return receipt
    }

    /// Takes the earliest entry's slot if its time is at or before `now`.
    mutating func popDue(now: Double, _ table: inout MemoryRecordTable) -> Int32? {
        guard let first, first.until <= now else { return nil }
        remove(first.slot, &table)
        return first.slot
    }

    // MARK: The run

    private mutating func removeFromRun(at index: Int, _ table: inout MemoryRecordTable) {
        run[index].slot = -1
        runLive -= 1
        if runLive == 0 {
            run.removeAll(keepingCapacity: true)
            runHead = 0
            return
        }
        while run[runHead].slot < 0 { runHead += 1 }
        // Removed entries are dropped once they are most of the run, so that it holds at
        // most about twice its live entries (and each entry moves O(1) times overall).
        if run.count - runLive > max(64, 2 * runLive) { compactRun(&table) }
    }

    /// Keeps only the live entries of the run, in order, telling their records.
    private mutating func compactRun(_ table: inout MemoryRecordTable) {
        var kept: [MemoryTimer] = []
        kept.reserveCapacity(max(16, 2 * runLive))
        for entry in run[runHead...] where entry.slot >= 0 {
            table[entry.slot].heapIndex = -2 - Int32(kept.count)
            kept.append(entry)
        }
        // The last entry stays (removed or not) as the bound the next append must pass.
        if let last = run.last, last.slot < 0 { kept.append(last) }
        run = kept
        runHead = 0
    }

    // MARK: The heap

    /// Whether `entry` fires before `other`.
    private static func earlier(_ entry: MemoryTimer, than other: MemoryTimer) -> Bool {
        entry.until < other.until || (entry.until == other.until && entry.receipt < other.receipt)
    }

    // Both sifts move a hole instead of swapping: the moving entry is written once.

    private mutating func siftUp(_ start: Int, _ table: inout MemoryRecordTable) {
        var index = start
        let moving = heap[index]
        while index > 0 {
            let parent = (index - 1) / 2
            guard Self.earlier(moving, than: heap[parent]) else { break }
            put(heap[parent], at: index, &table)
            index = parent
        }
        if index != start { put(moving, at: index, &table) }
    }

    private mutating func siftDown(_ start: Int, _ table: inout MemoryRecordTable) {
        var index = start
        let moving = heap[index]
        while true {
            let left = 2 * index + 1, right = left + 1
            guard left < heap.count else { break }
            var child = left
            if right < heap.count, Self.earlier(heap[right], than: heap[left]) { child = right }
            // Receipts are unique, so (until, receipt) orders entries strictly.
            guard !Self.earlier(moving, than: heap[child]) else { break }
            put(heap[child], at: index, &table)
            index = child
        }
        if index != start { put(moving, at: index, &table) }
    }

    private mutating func put(_ entry: MemoryTimer, at index: Int, _ table: inout MemoryRecordTable) {
        heap[index] = entry
        table[entry.slot].heapIndex = Int32(index)
    }
}
