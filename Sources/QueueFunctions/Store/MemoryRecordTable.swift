import Foundation

/// Where a message of the memory engine stands.
enum MemoryPhase: UInt8 {
    /// The slot holds no message (it is on the free list).
    case free
    /// In its priority lane, ready to be received.
    case visible
    /// In the timer heap until `until`: sent with a delay, or backing off after a failure.
    case delayed
    /// Leased until `until` (in the timer heap).
    case inFlight
    /// Waiting behind an earlier message of its FIFO group; visible from `until` (NaN: at
    /// once) when it heads the group.
    case held
}

/// The rarely set parts of a message, kept out of line so that a plain message costs none
/// of them: attributes, FIFO group, failure history, dead-letter provenance, and when it
/// entered its queue when that differs from its send time.
final class MemoryRecordExtras {
    var attributes: [String: String]
    var groupID: String?
    var failures: [FailureRecord] = []
    var deadLetter: DeadLetterInfo?
    /// When it entered its current queue (dead-lettered or redriven); nil: its send time.
    var enqueuedAt: Double?

    init(attributes: [String: String], groupID: String?) {
        self.attributes = attributes
        self.groupID = groupID
    }
}

/// One message of the memory engine, in a slot of ``MemoryRecordTable``. Links are slot
/// numbers (-1: none); times are seconds since the reference date (NaN: none).
struct MemoryRecord {
    var id: MessageID
    var phase: MemoryPhase
    var priority: UInt8
    /// The queue's number in the store's queue table.
    var queue: Int32
    var body: Data
    /// Neighbours in the queue's arrival order (every message of the queue).
    var arrivalPrev: Int32 = -1
    var arrivalNext: Int32 = -1
    /// Neighbours in the priority lane while visible; `laneNext` links the free list while free.
    var lanePrev: Int32 = -1
    var laneNext: Int32 = -1
    /// The position in the queue's timer heap while delayed or in flight.
    var heapIndex: Int32 = -1
    var receiveCount: Int32 = 0
    /// When the timer fires (delayed, in flight), or the held message's visible-from time.
    var until: Double = .nan
    var sentAt: Double
    var firstReceivedAt: Double = .nan
    /// Renewed on every lease and every timer entry: a lease token is current while its
    /// receipt matches, and equal timer times fire in the order they were set.
    var receipt: UInt64 = 0
    var extras: MemoryRecordExtras?

    var enqueuedAt: Double { extras?.enqueuedAt ?? sentAt }
    var groupID: String? { extras?.groupID }
    var deadLetter: DeadLetterInfo? { extras?.deadLetter }
    var failures: [FailureRecord] { extras?.failures ?? [] }
    var attributes: [String: String] { extras?.attributes ?? [:] }

    /// The extras, created when first needed.
    mutating func ensureExtras() -> MemoryRecordExtras {
        if let extras { return extras }
        let created = MemoryRecordExtras(attributes: [:], groupID: nil)
        extras = created
        return created
    }
}

/// The memory engine's messages: a slab of records addressed by slot number (lease tokens
/// carry it as their engine key), with an open-addressing index from message id to slot
/// for the calls that name a message by id (sends that must refuse a used id, cancel,
/// tokens without an engine key). The index holds 4 bytes per bucket, at most half full.
struct MemoryRecordTable {
    private var slab: [MemoryRecord] = []
    private var freeHead: Int32 = -1
    /// Slot numbers by hash; `empty` or `deleted` marks.
    private var buckets: [Int32] = Array(repeating: empty, count: 16)
    private var tombstones = 0
    private(set) var count = 0

    private static let empty: Int32 = -1
    private static let deleted: Int32 = -2

    subscript(slot: Int32) -> MemoryRecord {
        // Read and modified in place: reading one field copies no record.
        _read { yield slab[Int(slot)] }
        _modify { yield &slab[Int(slot)] }
    }

    /// The slot of a live record from a lease token's engine key, if it is one.
    func slot(engineKey: Int64) -> Int32? {
        guard engineKey > 0, engineKey <= Int64(slab.count) else { return nil }
        let slot = Int32(engineKey - 1)
        return slab[Int(slot)].phase == .free ? nil : slot
    }

    /// The slot of the message with `id`, if stored.
    func slot(of id: MessageID) -> Int32? {
        let mask = buckets.count - 1
        var index = id.tableHash & mask
        while true {
            let slot = buckets[index]
            if slot == Self.empty { return nil }
            if slot >= 0, slab[Int(slot)].id == id { return slot }
            index = (index + 1) & mask
        }
    }

    /// Stores `record`, whose id is not in the table; returns its slot.
    mutating func insert(_ record: MemoryRecord) -> Int32 {
        if (count + tombstones + 1) * 2 > buckets.count { rehash(minimum: count + 1) }
        let slot: Int32
        if freeHead >= 0 {
            slot = freeHead
            freeHead = slab[Int(slot)].laneNext
            slab[Int(slot)] = record
        } else {
            slot = Int32(slab.count)
            slab.append(record)
        }
        let mask = buckets.count - 1
        var index = record.id.tableHash & mask
        while buckets[index] >= 0 { index = (index + 1) & mask }
        if buckets[index] == Self.deleted { tombstones -= 1 }
        buckets[index] = slot
        count += 1
        return slot
    }

    /// Deletes the record in `slot` and frees the slot.
    mutating func remove(_ slot: Int32) {
        let mask = buckets.count - 1
        var index = slab[Int(slot)].id.tableHash & mask
        while buckets[index] != slot {
            if buckets[index] == Self.empty { break }
            index = (index + 1) & mask
        }
        if buckets[index] == slot {
            buckets[index] = Self.deleted
            tombstones += 1
        }
        slab[Int(slot)].phase = .free
        slab[Int(slot)].body = Data()
        slab[Int(slot)].extras = nil
        slab[Int(slot)].laneNext = freeHead
        freeHead = slot
        count -= 1
    }

    /// Rebuilds the index for `minimum` records with room to grow: at most a third full.
    private mutating func rehash(minimum: Int) {
        var size = 16
        while size < minimum * 3 { size *= 2 }
        var fresh = [Int32](repeating: Self.empty, count: size)
        let mask = size - 1
        for slot in buckets where slot >= 0 {
            var index = slab[Int(slot)].id.tableHash & mask
            while fresh[index] != Self.empty { index = (index + 1) & mask }
            fresh[index] = slot
        }
        buckets = fresh
        tombstones = 0
    }

    /// Drops every record.
    mutating func removeAll() {
        self = MemoryRecordTable()
    }
}
