import Foundation

/// The bodies of one lease batch of the memory engine, copied out of the arena into a few
/// allocations that the batch's `Data` values share.
///
/// A lease needs its body as a `Data` of its own: the arena's bytes move (evacuation) and
/// are reused once the message is settled, while a handler may keep its body for as long
/// as it likes. Copying each body into a fresh `Data` costs two allocations per message
/// (the storage object and the bytes), made under the store's lock by the receiving thread
/// and freed by a worker on another thread; that cost about 15% of the drain rate. Here
/// the bytes of a batch share chunks of at most ``MemoryLeasedBodies/chunkSize``: each
/// body is a `Data` over its part of a chunk (indices from zero, like any `Data`), and a
/// chunk is freed with the last body over it. A handler that keeps one body keeps its
/// chunk alive: at most 64 KiB.
final class MemoryLeasedBodies: @unchecked Sendable {
    // Sendable: the bytes are written once, under the store's lock, before any `Data` over
    // them is handed out, and only read after that.

    /// Bodies up to this long are not shared: a `Data` keeps them inline, with no allocation.
    static let inlineLength = 14
    /// Bodies longer than this get a copy of their own (their allocation is small beside
    /// their bytes), so that kept bodies hold little else alive.
    static let largestShared = 4 * 1024
    /// The most bytes one shared allocation holds.
    static let chunkSize = 64 * 1024

    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0

    private init(capacity: Int) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
    }

    deinit {
        base.deallocate()
    }

    /// Whether a body of `length` bytes goes in a shared allocation.
    static func shares(_ length: Int) -> Bool {
        length > inlineLength && length <= largestShared
    }

    /// Gives each lease in `leases` its body: `location(slot)` is where the arena keeps
    /// the body of the message in `slot` (the lease's engine key − 1).
    static func attach(to leases: inout [Lease], arena: MemoryBodyArena, location: (Int32) -> MemoryBodyLocation) {
        var sharedLeft = 0
        for lease in leases {
            let length = arena.byteCount(at: location(slot(of: lease)))
            if shares(length) { sharedLeft += length }
        }
        var chunk: MemoryLeasedBodies?
        for index in leases.indices {
            let place = location(slot(of: leases[index]))
            let length = arena.byteCount(at: place)
            guard shares(length) else {
                leases[index].message.body = arena.data(at: place)
                continue
            }
            if chunk.map({ $0.used + length > $0.capacity }) ?? true {
                chunk = MemoryLeasedBodies(capacity: min(sharedLeft, chunkSize))
            }
            sharedLeft -= length
            if let chunk, let body = chunk.take(length, fill: { arena.copyBytes(at: place, to: $0) }) {
                leases[index].message.body = body
            } else {
                leases[index].message.body = arena.data(at: place)
            }
        }
    }

    private static func slot(of lease: Lease) -> Int32 {
        Int32(truncatingIfNeeded: lease.token.engineKey - 1)
    }

    /// A `Data` over the next `length` bytes, which `fill` writes; it keeps this object
    /// alive. Nil when they do not fit (not reached: a chunk is made for what follows).
    private func take(_ length: Int, fill: (UnsafeMutableRawPointer) -> Void) -> Data? {
        guard used + length <= capacity else { return nil }
        let start = base + used
        used += length
        fill(start)
        return Data(bytesNoCopy: start, count: length, deallocator: .custom { _, _ in withExtendedLifetime(self) {} })
    }
}
