import Foundation

/// The memory engine's messages: a slab of 72-byte records addressed by slot number (lease
/// tokens carry it as their engine key), their bodies in a ``MemoryBodyArena``, their rare
/// fields in a side table, and an open-addressing index from message id to slot for the
/// calls that name a message by id (sends that must refuse a used id, cancel, tokens
/// without an engine key). The index holds 4 bytes per bucket, at most half full.
///
/// Removing a message leaves its bucket as it is (a *stale* bucket): the bucket is a
/// random place in a large array, and reading it cost a cache miss per settled message.
/// A lookup checks the slot a bucket names anyway (the slot may be free, or hold another
/// message since), so a stale bucket is skipped like a deleted one; stale buckets count
/// toward the load and are dropped by the next rehash.
struct MemoryRecordTable {
    private var slab: [MemoryRecord] = []
    private var freeHead: Int32 = -1
    /// Slot numbers by hash, or `empty`.
    private var buckets: [Int32] = Array(repeating: empty, count: 16)
    /// Buckets left behind by removed messages (an upper bound: a rehash recounts).
    private var stale = 0
    private var extrasBySlot: [Int32: MemoryRecordExtras] = [:]
    private var arena: MemoryBodyArena
    private(set) var count = 0
    /// The most messages the table holds: slots are 32-bit (tests lower it).
    let maxRecords: Int

    private static let empty: Int32 = -1

    init(limits: MemoryStoreLimits = MemoryStoreLimits()) {
        maxRecords = min(limits.maxMessages, Int(Int32.max))
        arena = MemoryBodyArena(maxSegments: limits.maxBodySegments)
    }

    subscript(slot: Int32) -> MemoryRecord {
        // Read and modified in place: reading one field copies no record.
        _read { yield slab[Int(slot)] }
        _modify { yield &slab[Int(slot)] }
    }

    // MARK: Finding records

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
            if slot >= 0, holds(id, in: slot) { return slot }
            index = (index + 1) & mask
        }
    }

    /// Whether the record in `slot` is the message with `id` (false for a free slot).
    func holds(_ id: MessageID, in slot: Int32) -> Bool {
        let record = slab[Int(slot)]
        if let words = id.uuidWords {
            return record.phase != .free && !record.hasTextID && record.idHigh == words.high && record.idLow == words.low
        }
        return record.hasTextID && extrasBySlot[slot]?.textID == id
    }

    /// The id of the message in `slot`.
    func id(_ slot: Int32) -> MessageID {
        let record = slab[Int(slot)]
        if record.hasTextID, let text = extrasBySlot[slot]?.textID { return text }
        return MessageID(uuidHigh: record.idHigh, low: record.idLow)
    }

    /// The index hash of the id of the message in `slot` (a UUID's from the record's bits).
    private func tableHash(_ slot: Int32) -> Int {
        let record = slab[Int(slot)]
        return record.hasTextID ? id(slot).tableHash : MessageID.tableHash(uuidHigh: record.idHigh, low: record.idLow)
    }

    /// A fresh copy of the body of the message in `slot`.
    func body(_ slot: Int32) -> Data {
        arena.data(at: slab[Int(slot)].body)
    }

    /// Gives each of `leases` (leased from this table: engine key = slot + 1) its body,
    /// the batch's bodies sharing a few allocations (``MemoryLeasedBodies``).
    func attachBodies(to leases: inout [Lease]) {
        MemoryLeasedBodies.attach(to: &leases, arena: arena) { slab[Int($0)].body }
    }

    /// The rare fields of the message in `slot`, if it has any.
    func extras(_ slot: Int32) -> MemoryRecordExtras? {
        slab[Int(slot)].hasExtras ? extrasBySlot[slot] : nil
    }

    /// The rare fields of the message in `slot`, created when first needed.
    mutating func ensureExtras(_ slot: Int32) -> MemoryRecordExtras {
        if let extras = extras(slot) { return extras }
        let created = MemoryRecordExtras()
        extrasBySlot[slot] = created
        slab[Int(slot)].hasExtras = true
        return created
    }

    // MARK: Storing and removing

    /// Throws unless `messages` all fit: in the slots and in the body arena's segments.
    func checkRoom(for messages: [OutgoingMessage]) throws {
        guard messages.count <= maxRecords - count else { throw full(sending: messages.count) }
        guard arena.hasRoom(for: messages.lazy.map(\.body.count)) else { throw bodiesFull(sending: messages.count) }
    }

    private func full(sending: Int) -> QueueStoreError {
        QueueStoreError(
            .engine,
            "the in-memory store is full: it holds \(count) messages and takes at most \(maxRecords); settle or purge "
                + "messages before sending \(sending) more, or use the SQLite engine (--store sqlite:PATH) for a larger backlog"
        )
    }

    private func bodiesFull(sending: Int) -> QueueStoreError {
        QueueStoreError(
            .engine,
            "the in-memory store has no room for \(sending) more bodies: all \(arena.maxSegments) of its body segments "
                + "are in use; settle or purge messages first, or use the SQLite engine (--store sqlite:PATH)"
        )
    }

    /// Stores `record` (whose id fields and body the table fills in) for the message `id`,
    /// not in the table, with `body` and `extras`; returns its slot. Throws when full;
    /// ``checkRoom(for:)`` first keeps a batch whole.
    mutating func insert(_ record: MemoryRecord, id: MessageID, body: Data, extras: MemoryRecordExtras?) throws -> Int32 {
        guard count < maxRecords else { throw full(sending: 1) }
        let slot = freeHead >= 0 ? freeHead : Int32(slab.count)
        guard let location = arena.store(body, slot: slot) else { throw bodiesFull(sending: 1) }
        if (count + stale + 1) * 2 > buckets.count { rehash(minimum: count + 1) }
        if freeHead >= 0 {
            freeHead = slab[Int(slot)].laneNext
            slab[Int(slot)] = record
        } else {
            slab.append(record)
        }
        slab[Int(slot)].body = location
        var extras = extras
        if let words = id.uuidWords {
            slab[Int(slot)].idHigh = words.high
            slab[Int(slot)].idLow = words.low
        } else {
            let holder = extras ?? MemoryRecordExtras()
            holder.textID = id
            extras = holder
            slab[Int(slot)].hasTextID = true
        }
        if let extras {
            extrasBySlot[slot] = extras
            slab[Int(slot)].hasExtras = true
        }
        let mask = buckets.count - 1
        var index = id.tableHash & mask
        while buckets[index] != Self.empty { index = (index + 1) & mask }
        buckets[index] = slot
        count += 1
        return slot
    }

    /// Deletes the record in `slot` and frees the slot. Its index bucket is left stale.
    mutating func remove(_ slot: Int32) {
        stale += 1
        arena.release(slab[Int(slot)].body)
        if slab[Int(slot)].hasExtras { extrasBySlot[slot] = nil }
        slab[Int(slot)] = MemoryRecord(phase: .free, priority: 0, queue: -1, sentAt: .nan)
        slab[Int(slot)].laneNext = freeHead
        freeHead = slot
        count -= 1
        if arena.wantsEvacuation { evacuateBodies() }
    }

    /// Moves the live bodies of the arena's sparsest segment, telling their records.
    private mutating func evacuateBodies() {
        // Taken out for the walk, so that the closures below change the slab alone.
        var records = slab
        slab = []
        arena.evacuateSparsest(
            locationOf: { slot in records[Int(slot)].phase == .free ? nil : records[Int(slot)].body },
            moved: { slot, location in records[Int(slot)].body = location }
        )
        slab = records
    }

    /// Rebuilds the index for `minimum` records with room to grow: at most a third full.
    /// Stale buckets are dropped: those that name a free slot, and all but one of those
    /// that name the same slot (a slot reused since its bucket went stale).
    private mutating func rehash(minimum: Int) {
        var size = 16
        while size < minimum * 3 { size *= 2 }
        var fresh = [Int32](repeating: Self.empty, count: size)
        let mask = size - 1
        for slot in buckets where slot >= 0 && slab[Int(slot)].phase != .free && !slab[Int(slot)].isIndexed {
            slab[Int(slot)].isIndexed = true
            var index = tableHash(slot) & mask
            while fresh[index] != Self.empty { index = (index + 1) & mask }
            fresh[index] = slot
        }
        for slot in fresh where slot >= 0 { slab[Int(slot)].isIndexed = false }
        buckets = fresh
        stale = 0
    }

    /// The body arena's segments in use, for tests.
    var arenaSegments: Int { arena.segmentsInUse }
}

/// How much the memory engine holds at most. The defaults are what its 32-bit slots and
/// 24-bit body segment numbers address; tests lower them to reach the limits.
struct MemoryStoreLimits {
    /// The most messages stored at once.
    var maxMessages = Int(Int32.max)
    /// The most body segments (1 MiB each, or one per body over 64 KiB) in use at once.
    var maxBodySegments = MemoryBodyArena.segmentNumbers
}
