import Foundation

/// Where a message of the memory engine stands.
enum MemoryPhase: UInt8 {
    /// The slot holds no message (it is on the free list).
    case free
    /// In its priority lane, ready to be received.
    case visible
    /// In the timers until `until`: sent with a delay, or backing off after a failure.
    case delayed
    /// Leased until `until` (in the timers).
    case inFlight
    /// Waiting behind an earlier message of its FIFO group; visible from `until` (NaN: at
    /// once) when it heads the group.
    case held
}

/// The rarely set parts of a message, kept in a side table of ``MemoryRecordTable`` so that
/// a plain message costs none of them: an id that is not a UUID's text, attributes, FIFO
/// group, failure history, dead-letter provenance, and when it entered its queue when that
/// differs from its send time.
final class MemoryRecordExtras {
    /// The id when it is not a lowercase UUID (the record then holds no id bits).
    var textID: MessageID?
    var attributes: [String: String]
    var groupID: String?
    var failures: [FailureRecord] = []
    var deadLetter: DeadLetterInfo?
    /// When it entered its current queue (dead-lettered or redriven); nil: its send time.
    var enqueuedAt: Double?

    init(attributes: [String: String] = [:], groupID: String? = nil) {
        self.attributes = attributes
        self.groupID = groupID
    }
}

/// One message of the memory engine, in a slot of ``MemoryRecordTable``: 72 bytes (a
/// layout test holds it there). Links are slot numbers (-1: none); times are seconds since
/// the reference date (NaN: none). The body is in the table's ``MemoryBodyArena``, the
/// rare fields in its extras side table, and the receipt of a delayed or in-flight message
/// in its queue's timers (``MemoryTimers``).
struct MemoryRecord {
    /// A UUID id's bits (``MessageID/uuidBits``); zero when the extras hold a text id.
    var idHigh: UInt64 = 0
    var idLow: UInt64 = 0
    var sentAt: Double
    var firstReceivedAt: Double = .nan
    /// Shared by fields no phase needs together: the lane links while visible (`laneNext`
    /// also links the free list while free), `until` while delayed, in flight or held.
    /// All ones: no links, and `until` NaN.
    private var laneOrTime: UInt64 = .max
    var body = MemoryBodyLocation.empty
    /// Neighbours in the queue's arrival order (every message of the queue).
    var arrivalPrev: Int32 = -1
    var arrivalNext: Int32 = -1
    /// Where the queue's timers keep the entry while delayed or in flight (``MemoryTimers``).
    var heapIndex: Int32 = -1
    /// The queue's number in the store's queue table.
    var queue: Int32
    var receiveCount: Int32 = 0
    var phase: MemoryPhase
    var priority: UInt8
    private var flags: UInt8 = 0

    private static let extrasFlag: UInt8 = 1
    private static let textIDFlag: UInt8 = 2
    private static let indexedFlag: UInt8 = 4

    init(phase: MemoryPhase, priority: UInt8, queue: Int32, sentAt: Double) {
        self.phase = phase
        self.priority = priority
        self.queue = queue
        self.sentAt = sentAt
    }

    /// When the timer fires (delayed, in flight), or the held message's visible-from time.
    /// Meaningless while visible or free (the lane links share its bits).
    var until: Double {
        get { Double(bitPattern: laneOrTime) }
        set { laneOrTime = newValue.bitPattern }
    }

    /// The previous slot in the priority lane while visible.
    var lanePrev: Int32 {
        get { Int32(truncatingIfNeeded: laneOrTime >> 32) }
        set { laneOrTime = laneOrTime & 0xFFFF_FFFF | UInt64(UInt32(bitPattern: newValue)) << 32 }
    }

    /// The next slot in the priority lane while visible, or on the free list while free.
    var laneNext: Int32 {
        get { Int32(truncatingIfNeeded: laneOrTime) }
        set { laneOrTime = laneOrTime & 0xFFFF_FFFF_0000_0000 | UInt64(UInt32(bitPattern: newValue)) }
    }

    /// Whether the table's side table holds extras for this record.
    var hasExtras: Bool {
        get { flags & Self.extrasFlag != 0 }
        set { flags = newValue ? flags | Self.extrasFlag : flags & ~Self.extrasFlag }
    }

    /// Set while the table rebuilds its id index, once the record has a bucket there (so
    /// that a stale bucket naming the same slot adds no second one); clear otherwise.
    var isIndexed: Bool {
        get { flags & Self.indexedFlag != 0 }
        set { flags = newValue ? flags | Self.indexedFlag : flags & ~Self.indexedFlag }
    }

    /// Whether the id is a text id, kept in the extras.
    var hasTextID: Bool {
        get { flags & Self.textIDFlag != 0 }
        set { flags = newValue ? flags | Self.textIDFlag : flags & ~Self.textIDFlag }
    }
}
