import Foundation

/// Where a body of the memory engine is kept, in 64 bits: segment number (24 bits),
/// offset of its entry in the segment (20 bits) and length (20 bits). Length 0 is an empty
/// body, kept nowhere; ``MemoryBodyArena/wholeSegment`` marks a body that has a segment of
/// its own (its length is the segment's).
struct MemoryBodyLocation: Equatable {
    var bits: UInt64

    static let empty = MemoryBodyLocation(bits: 0)

    init(bits: UInt64) { self.bits = bits }

    init(segment: Int, offset: Int, length: Int) {
        bits = UInt64(segment) << 40 | UInt64(offset) << 20 | UInt64(length)
    }

    var segment: Int { Int(truncatingIfNeeded: bits >> 40) }
    var offset: Int { Int(truncatingIfNeeded: (bits >> 20) & 0xF_FFFF) }
    var length: Int { Int(truncatingIfNeeded: bits & 0xF_FFFF) }
}

/// The bodies of the memory engine's messages, copied into large segments instead of one
/// heap allocation each (a 143-byte `Data` of its own costs about 100 bytes more: its
/// storage object and the allocator's headers and rounding).
///
/// Each entry is a 4-byte header and the body's bytes, packed end to end in a segment of
/// 1 MiB that is filled from the front. The header holds the owning record's slot while
/// the entry is live, and its length with the top bit set once it was released, so that a
/// segment can be walked. A segment whose entries are all released is freed (one is kept
/// for reuse); bodies over 64 KiB get a segment of their own. When released entries waste
/// more than the live ones hold, the sparsest segment is evacuated: its live bodies move to
/// the segment being filled and their records are told the new place. So the arena holds
/// at most about twice its live bytes, whatever order messages leave in.
struct MemoryBodyArena {
    /// The length field of a body that fills a segment of its own.
    static let wholeSegment = 0xF_FFFF
    /// The bytes of one shared segment: what a 20-bit offset addresses.
    static let segmentSize = 1 << 20
    /// Bodies longer than this get a segment of their own.
    static let largestShared = 64 * 1024
    /// The most segments a 24-bit segment number addresses.
    static let segmentNumbers = 1 << 24
    private static let headerSize = 4
    private static let releasedFlag: UInt32 = 0x8000_0000

    private struct Segment {
        /// Owns the bytes; `base` is its address, read without touching the object.
        var memory: MemorySegmentMemory?
        var base: UnsafeMutableRawPointer?
        var capacity = 0
        /// Bytes filled from the front (headers included).
        var used = 0
        /// Bytes of live entries (headers included).
        var live = 0
        var dedicated = false
    }

    private var segments: [Segment] = []
    private var freeNumbers: [Int] = []
    /// The shared segment being filled, or -1.
    private var current = -1
    /// An emptied shared segment kept for the next one, so that a steady stream does not
    /// allocate and free a megabyte at every turn.
    private var spare: MemorySegmentMemory?
    /// Totals over the shared segments other than `current`.
    private var sealedUsed = 0
    private var sealedLive = 0
    /// At most this many segments in use (tests lower it).
    let maxSegments: Int

    init(maxSegments: Int = MemoryBodyArena.segmentNumbers) {
        self.maxSegments = min(maxSegments, Self.segmentNumbers)
    }

    /// Segments in use, for tests.
    var segmentsInUse: Int { segments.count - freeNumbers.count }

    // MARK: Room

    /// Whether `lengths` can all be stored: enough segment numbers for the worst case.
    func hasRoom<Lengths: Sequence<Int>>(for lengths: Lengths) -> Bool {
        var dedicated = 0, shared = 0
        for length in lengths where length > 0 {
            if length > Self.largestShared { dedicated += 1 } else { shared += length + Self.headerSize }
        }
        // A segment wastes at most one entry's room at its end.
        let perSegment = Self.segmentSize - Self.largestShared - Self.headerSize
        let sharedSegments = shared == 0 ? 0 : (shared + perSegment - 1) / perSegment + 1
        return segmentsInUse + dedicated + sharedSegments <= maxSegments
    }

    // MARK: Storing and reading

    /// Copies `body` in for the record in `slot`. The caller checked ``hasRoom(for:)``;
    /// returns nil only when it did not and no segment number is left.
    mutating func store(_ body: Data, slot: Int32) -> MemoryBodyLocation? {
        let length = body.count
        if length == 0 { return .empty }
        if length > Self.largestShared {
            guard let number = takeNumber() else { return nil }
            let memory = MemorySegmentMemory(byteCount: Self.headerSize + length)
            segments[number] = Segment(
                memory: memory, base: memory.base, capacity: Self.headerSize + length, used: 0, live: 0, dedicated: true
            )
            write(body, slot: slot, into: number, at: 0)
            return MemoryBodyLocation(segment: number, offset: 0, length: Self.wholeSegment)
        }
        guard let number = sharedSegment(fitting: Self.headerSize + length) else { return nil }
        let offset = segments[number].used
        write(body, slot: slot, into: number, at: offset)
        return MemoryBodyLocation(segment: number, offset: offset, length: length)
    }

    /// A fresh `Data` with the bytes at `location`.
    func data(at location: MemoryBodyLocation) -> Data {
        guard location.length > 0, let base = segments[location.segment].base else { return Data() }
        return Data(bytes: base + location.offset + Self.headerSize, count: length(of: location))
    }

    /// The length of the body at `location`.
    func byteCount(at location: MemoryBodyLocation) -> Int {
        location.length > 0 ? length(of: location) : 0
    }

    /// Copies the bytes at `location` to `destination` (room for ``byteCount(at:)`` bytes).
    func copyBytes(at location: MemoryBodyLocation, to destination: UnsafeMutableRawPointer) {
        guard location.length > 0, let base = segments[location.segment].base else { return }
        destination.copyMemory(from: base + location.offset + Self.headerSize, byteCount: length(of: location))
    }

    /// Releases the entry at `location`; frees its segment when nothing in it is live.
    mutating func release(_ location: MemoryBodyLocation) {
        guard location.length > 0 else { return }
        let number = location.segment
        let size = Self.headerSize + length(of: location)
        if segments[number].dedicated {
            freeSegment(number)
            return
        }
        segments[number].base?.storeBytes(
            of: Self.releasedFlag | UInt32(truncatingIfNeeded: size - Self.headerSize), toByteOffset: location.offset,
            as: UInt32.self
        )
        segments[number].live -= size
        if number == current {
            // Nothing live in the segment being filled: fill it again from the front.
            if segments[number].live == 0 { segments[number].used = 0 }
            return
        }
        sealedLive -= size
        if segments[number].live == 0 {
            sealedUsed -= segments[number].used
            freeSegment(number)
        }
    }

    // MARK: Evacuation

    /// Whether released entries in the sealed segments waste more than the live ones hold
    /// (and more than a few segments), so that one should be evacuated.
    var wantsEvacuation: Bool {
        let waste = sealedUsed - sealedLive
        return waste > sealedLive && waste > 4 * Self.segmentSize
    }

    /// Moves the live bodies of the sparsest sealed segment to the segment being filled and
    /// frees it. `locationOf(slot)` is where the record in `slot` keeps its body (nil: the
    /// slot is free); `moved(slot, location)` tells it the new place.
    mutating func evacuateSparsest(locationOf: (Int32) -> MemoryBodyLocation?, moved: (Int32, MemoryBodyLocation) -> Void) {
        var sparsest = -1
        for (number, segment) in segments.enumerated()
        where segment.base != nil && !segment.dedicated && number != current && segment.live < segment.used {
            if sparsest < 0 || segment.live < segments[sparsest].live { sparsest = number }
        }
        // Room for what moves: at most the segment being filled and one more.
        guard sparsest >= 0, segmentsInUse < maxSegments, let base = segments[sparsest].base else { return }
        let used = segments[sparsest].used
        var offset = 0
        while offset + Self.headerSize <= used {
            let header = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            if header & Self.releasedFlag != 0 {
                offset += Self.headerSize + Int(header & ~Self.releasedFlag)
                continue
            }
            // A live entry: its record keeps its body here, and its location has the length.
            let slot = Int32(bitPattern: header)
            guard let old = locationOf(slot), old.segment == sparsest, old.offset == offset,
                let number = sharedSegment(fitting: Self.headerSize + old.length)
            else { return }
            let newOffset = segments[number].used
            write(UnsafeRawBufferPointer(start: base + offset + Self.headerSize, count: old.length), slot: slot, into: number, at: newOffset)
            moved(slot, MemoryBodyLocation(segment: number, offset: newOffset, length: old.length))
            offset += Self.headerSize + old.length
            release(old)
            // The last live entry moved: the segment is freed, and nothing after it is live.
            if segments[sparsest].base == nil { return }
        }
    }

    // MARK: Segments

    private func length(of location: MemoryBodyLocation) -> Int {
        location.length == Self.wholeSegment ? segments[location.segment].capacity - Self.headerSize : location.length
    }

    private mutating func write(_ body: Data, slot: Int32, into number: Int, at offset: Int) {
        body.withUnsafeBytes { write($0, slot: slot, into: number, at: offset) }
    }

    /// Writes an entry (header and `bytes`) at `offset` of segment `number`, its end.
    private mutating func write(_ bytes: UnsafeRawBufferPointer, slot: Int32, into number: Int, at offset: Int) {
        guard let base = segments[number].base else { return }
        base.storeBytes(of: UInt32(bitPattern: slot), toByteOffset: offset, as: UInt32.self)
        if let source = bytes.baseAddress {
            (base + offset + Self.headerSize).copyMemory(from: source, byteCount: bytes.count)
        }
        segments[number].used += Self.headerSize + bytes.count
        segments[number].live += Self.headerSize + bytes.count
    }

    /// The shared segment to put `size` bytes in: the current one, or a new current one.
    private mutating func sharedSegment(fitting size: Int) -> Int? {
        if current >= 0, segments[current].used + size <= Self.segmentSize { return current }
        guard let number = takeNumber() else { return nil }
        if current >= 0 {
            // Sealed: it has live entries (a segment being filled restarts when it has none).
            sealedUsed += segments[current].used
            sealedLive += segments[current].live
        }
        let memory = spare ?? MemorySegmentMemory(byteCount: Self.segmentSize)
        spare = nil
        segments[number] = Segment(memory: memory, base: memory.base, capacity: Self.segmentSize)
        current = number
        return number
    }

    private mutating func takeNumber() -> Int? {
        if let number = freeNumbers.popLast() { return number }
        guard segments.count < maxSegments else { return nil }
        segments.append(Segment())
        return segments.count - 1
    }

    private mutating func freeSegment(_ number: Int) {
        // The memory is deallocated with its last reference, unless kept as the spare.
        if !segments[number].dedicated, spare == nil { spare = segments[number].memory }
        segments[number] = Segment()
        if number == current { current = -1 }
        freeNumbers.append(number)
    }
}

/// The bytes of one arena segment, deallocated with the object. (The arena is a struct,
/// so that its hot paths run without the dynamic exclusivity checks of a class's stored
/// properties; this object only owns the memory.)
final class MemorySegmentMemory {
    let base: UnsafeMutableRawPointer

    init(byteCount: Int) {
        base = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 8)
    }

    deinit {
        base.deallocate()
    }
}
