import Foundation

/// One autoscaler decision for one function: how many workers it had, how many it
/// gets, and why, in words a person can check against the numbers.
public struct ScalingDecision: Sendable, Equatable, Codable {
    /// What the decision does to the worker count.
    public enum Kind: String, Sendable, Codable {
        /// Workers are added.
        case scaleUp = "scale_up"
        /// Workers are removed (they finish their batch first).
        case scaleDown = "scale_down"
        /// The count stays as it is.
        case hold
    }

    /// The function decided for.
    public var function: String
    /// When the decision was made.
    public var time: Date
    /// Active workers before the decision.
    public var from: Int
    /// Workers after the decision.
    public var to: Int
    /// What the backlog alone asks for: `ceil(backlog / target)` clamped to `[min, max]`.
    public var desired: Int
    /// What the decision does.
    public var kind: Kind
    /// True when a scale-up was withheld because most recent invocations failed.
    public var heldForFailures: Bool
    /// Why, with the numbers (`backlog 97 (visible 90 + in flight 7) > 4 workers × 20 …`).
    public var reason: String

    /// Creates a decision; `kind` follows from `from` and `to`.
    public init(function: String, time: Date, from: Int, to: Int, desired: Int, heldForFailures: Bool = false, reason: String) {
        self.function = function
        self.time = time
        self.from = from
        self.to = to
        self.desired = desired
        self.kind = to > from ? .scaleUp : (to < from ? .scaleDown : .hold)
        self.heldForFailures = heldForFailures
        self.reason = reason
    }

    /// Whether the worker count changes.
    public var changesCount: Bool { from != to }

    /// Lowers the decision to `limit` workers, explaining why in the reason.
    public func capped(at limit: Int, because why: String) -> ScalingDecision {
        guard limit < to else { return self }
        var copy = ScalingDecision(
            function: function, time: time, from: from, to: limit, desired: desired, heldForFailures: heldForFailures, reason: reason
        )
        copy.reason += "; \(why)"
        return copy
    }
}
