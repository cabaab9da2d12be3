import Foundation

/// Shares a host-wide worker cap (`host.max_workers`) between functions whose
/// wishes add up to more: max-min fair shares by water-filling.
///
/// Every function first gets its `min_workers` (as far as the cap goes), then every
/// function with backlog gets one worker (largest backlog first), then the rest is
/// poured evenly: a function that wants less than an even share keeps what it wants
/// and leaves the remainder to the others.
///
/// ```swift
/// let shares = WorkerAllocation.share([.init(wanted: 8, backlog: 500), .init(wanted: 8, backlog: 40)], cap: 8)
/// // shares == [4, 4]
/// ```
public enum WorkerAllocation {
    /// One function's wish.
    public struct Demand: Sendable, Equatable {
        /// Workers the function's policy asks for.
        public var wanted: Int
        /// Workers it keeps even when the cap is tight, up to `wanted` (its `min_workers`).
        public var minimum: Int
        /// Its visible plus in-flight messages; breaks ties, largest first.
        public var backlog: Int

        /// Creates a demand.
        public init(wanted: Int, minimum: Int = 0, backlog: Int = 0) {
            self.wanted = max(0, wanted)
            self.minimum = max(0, min(minimum, wanted))
            self.backlog = max(0, backlog)
        }
    }

    /// The workers each function gets, in the order of `demands`; never more than it wants,
    /// and in total never more than `cap` (unless the minimums alone exceed it).
    public static func share(_ demands: [Demand], cap: Int) -> [Int] {
        let cap = max(0, cap)
        guard demands.map(\.wanted).reduce(0, +) > cap else { return demands.map(\.wanted) }
        var given = demands.map(\.minimum)
        var remaining = cap - given.reduce(0, +)
        guard remaining > 0 else { return given }
        // Largest backlog first, then manifest order, so the result is deterministic.
        let order = demands.indices.sorted { demands[$0].backlog != demands[$1].backlog
            ? demands[$0].backlog > demands[$1].backlog : $0 < $1 }
        for index in order where remaining > 0 && given[index] == 0 && demands[index].wanted > 0 && demands[index].backlog > 0 {
            given[index] = 1
            remaining -= 1
        }
        while remaining > 0 {
            let hungry = order.filter { given[$0] < demands[$0].wanted }
            guard !hungry.isEmpty else { break }
            let share = remaining / hungry.count
            if share == 0 {
                for index in hungry.prefix(remaining) { given[index] += 1 }
                break
            }
            for index in hungry {
                let add = min(share, demands[index].wanted - given[index])
                given[index] += add
                remaining -= add
            }
        }
        return given
    }
}
