import Foundation
import QueueFunctions

/// When an injected fault fires. Each call (or, for lease faults, each lease) that a
/// fault targets asks its trigger once.
///
/// ```swift
/// .rate(0.05)   // 5% of calls, drawn from the seeded generator
/// .onCall(3)    // only the third call
/// .every(10)    // the 10th, 20th, 30th, … call
/// .always
/// ```
public struct FaultTrigger: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case always
        case rate(Double)
        case onCall(Int)
        case every(Int)
        case between(Date, Date)
    }

    let kind: Kind

    /// Every call.
    public static let always = FaultTrigger(kind: .always)

    /// A share of calls, from 0 (never) to 1 (always); values outside are clamped. The
    /// draws come from the seeded generator of the faults, so a run on one task (or on
    /// the simulator) repeats exactly; with concurrent workers the share holds, but
    /// which call gets the fault depends on their order.
    public static func rate(_ share: Double) -> FaultTrigger {
        FaultTrigger(kind: .rate(share.isNaN ? 0 : min(1, max(0, share))))
    }

    /// Only the `n`-th call (1 is the first); never when `n` is below 1.
    public static func onCall(_ n: Int) -> FaultTrigger { FaultTrigger(kind: .onCall(n)) }

    /// Every `n`-th call; never when `n` is below 1.
    public static func every(_ n: Int) -> FaultTrigger { FaultTrigger(kind: .every(n)) }

    /// Every call while the clock of the faults reads from `start` up to (not including) `end`.
    public static func between(_ start: Date, and end: Date) -> FaultTrigger { FaultTrigger(kind: .between(start, end)) }

    /// The core's trigger for store faults.
    var storeTrigger: StoreFaultTrigger {
        switch kind {
        case .always: .always
        case .rate(let share): .rate(share)
        case .onCall(let n): .onEvent(n)
        case .every(let n): .everyEvent(n)
        case .between(let start, let end): .window(from: start, until: end)
        }
    }
}
