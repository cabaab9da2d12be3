/// Message priorities: 0 (lowest, the default) to 9 (highest).
///
/// Receives take higher priorities first and, within a priority, the order in which
/// messages became visible (send order for new messages). The rule is strict: there is
/// no aging, so a queue that never runs out of priority-9 messages never delivers a
/// priority-0 one (README, "Delivery options").
public enum MessagePriority {
    /// The lowest priority, and the default.
    public static let lowest = 0
    /// The highest priority.
    public static let highest = 9
    /// Every priority.
    public static let range = lowest...highest

    /// `priority` clamped into ``range`` (engines store only these values).
    public static func clamped(_ priority: Int) -> Int {
        min(highest, max(lowest, priority))
    }
}
