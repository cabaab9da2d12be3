import Synchronization

/// Whether a handler task has ended, and whether it was reported stuck before it did.
final class HandlerWatch: Sendable {
    private let state = Mutex((ended: false, stuck: false))

    /// Records that the handler task ended.
    func ended() {
        state.withLock { $0.ended = true }
    }

    /// Marks the handler stuck unless it has ended.
    ///
    /// - Returns: Whether it was marked now.
    func markStuck() -> Bool {
        state.withLock { state in
            guard !state.ended, !state.stuck else { return false }
            state.stuck = true
            return true
        }
    }

    /// Whether the handler was marked stuck.
    var wasStuck: Bool {
        state.withLock { $0.stuck }
    }
}
