import Foundation
import Synchronization

/// Holds the first fatal store error a host meets (a corrupt file, a full disk, a closed
/// store) and runs the host's reaction to it, once.
///
/// Workers trip it instead of looping on an error that retrying cannot fix; the host
/// stops itself and reports the error through ``FunctionHost/fatalStoreError``.
package final class FatalStoreErrorLatch: Sendable {
    private struct State {
        var error: QueueStoreError?
        var reaction: (@Sendable (QueueStoreError) -> Void)?
    }

    private let state = Mutex(State())

    /// Creates an untripped latch.
    package init() {}

    /// The first fatal error, if any.
    package var error: QueueStoreError? {
        state.withLock { $0.error }
    }

    /// Sets what happens when the latch trips (at once when it has tripped already).
    package func onTrip(_ reaction: @escaping @Sendable (QueueStoreError) -> Void) {
        let tripped: QueueStoreError? = state.withLock { state in
            state.reaction = reaction
            return state.error
        }
        if let tripped { reaction(tripped) }
    }

    /// Records `error` unless an earlier one is recorded, and runs the reaction the first time.
    package func trip(_ error: QueueStoreError) {
        let reaction: (@Sendable (QueueStoreError) -> Void)? = state.withLock { state in
            guard state.error == nil else { return nil }
            state.error = error
            return state.reaction
        }
        reaction?(error)
    }
}
