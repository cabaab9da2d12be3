import Foundation

/// The bodies of one lease batch of the memory engine, copied out of the arena into one
/// allocation that the batch's `Data` values share.
///
/// A lease needs its body as a `Data` of its own: the arena's bytes move (evacuation) and
/// are reused once the message is settled, while a handler may keep its body for as long
/// as it likes. Copying each body into a fresh `Data` costs two allocations per message
/// (the storage object and the bytes), made under the store's lock on one thread and freed
/// by a worker on another. Here the bytes of a whole batch take one allocation: each body
/// is a `Data` over its part of it, and the allocation is freed with the last of them. A
/// handler that keeps one body keeps its batch's bytes (at most
/// ``MemoryLeasedBodies/largestShared`` per message) alive with it.
final class MemoryLeasedBodies: @unchecked Sendable {
    // Sendable: the bytes are written once, before any `Data` over them is handed out,
    // and only read after that.

    /// Bodies up to this long are not shared: a `Data` keeps them inline, with no allocation.
    static let inlineLength = 14
    /// Bodies longer than this get a copy of their own, so that a kept body never holds a
    /// large batch alive.
    static let largestShared = 64 * 1024

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

    /// Whether a body of `length` bytes goes in the batch's shared allocation.
    static func shares(_ length: Int) -> Bool {
        length > inlineLength && length <= largestShared
    }

    /// Gives each lease in `leases` its body: `location(slot)` is where the arena keeps
    /// the body of the message in `slot` (the lease's engine key − 1).
    static func attach(to leases: inout [Lease], arena: MemoryBodyArena, location: (Int32) -> MemoryBodyLocation) {
        var shared = 0
        for lease in leases {
            let length = arena.byteCount(at: location(slot(of: lease)))
            if shares(length) { shared += length }
        }
        let bodies = shared > 0 ? MemoryLeasedBodies(capacity: shared) : nil
        for index in leases.indices {
            let place = location(slot(of: leases[index]))
            let length = arena.byteCount(at: place)
            if let bodies, shares(length), let body = bodies.take(length, fill: { arena.copyBytes(at: place, to: $0) }) {
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
    /// alive. Nil when they do not fit (not reached: the capacity is the batch's total).
    private func take(_ length: Int, fill: (UnsafeMutableRawPointer) -> Void) -> Data? {
        guard used + length <= capacity else { return nil }
        let start = base + used
        used += length
        fill(start)
        return Data(bytesNoCopy: start, count: length, deallocator: .custom { _, _ in withExtendedLifetime(self) {} })
    }
}
