/// Thrown by a ``MessageFunction`` to say what should happen to the message it failed:
/// retry after an exact delay, or move it to the dead-letter queue now.
///
/// ```swift
/// throw MessageFailure.retry(after: .seconds(30), reason: "rate limited")
/// throw MessageFailure.deadLetter(reason: "unknown customer 42")
/// ```
public struct MessageFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// What happens to the message.
    public let outcome: ItemOutcome

    private init(outcome: ItemOutcome) {
        self.outcome = outcome
    }

    /// Retry after exactly `delay` instead of the function's backoff. The receive still
    /// counts, so the message is dead-lettered once it reaches `max_receive_count`.
    public static func retry(after delay: Duration, reason: String) -> MessageFailure {
        MessageFailure(outcome: .retry(after: delay, reason: reason))
    }

    /// The message can never succeed: move it to the dead-letter queue now with `reason`.
    public static func deadLetter(reason: String) -> MessageFailure {
        MessageFailure(outcome: .deadLetter(reason: reason))
    }

    /// What should happen, for logs.
    public var description: String {
        switch outcome.kind {
        case .retry(let delay, let reason): "retry after \(DurationText.format(delay)): \(reason)"
        case .deadLetter(let reason): "dead-letter: \(reason)"
        case .failure(let reason): reason
        case .success: "success"
        }
    }
}
