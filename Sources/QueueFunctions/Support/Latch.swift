import Synchronization

/// A one-way gate: ``wait()`` suspends until ``open()`` is called, and returns at once
/// afterwards. Unlike an `AsyncStream`, a waiter is not released by its task's
/// cancellation: it is for waits that must see the event itself (the end of the pools).
package final class Latch: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// A closed latch.
    package init() {}

    /// Opens the latch and releases every waiter. Later calls do nothing.
    package func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether ``open()`` has been called.
    package var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Suspends until the latch is open, whether or not the calling task is cancelled.
    package func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
