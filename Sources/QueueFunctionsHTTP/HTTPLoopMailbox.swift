import Synchronization

/// The only state shared between the event-loop thread and the rest of the process:
/// responses finished by handler tasks, the stop request, and who waits for the loop
/// to exit. Every call is short and non-blocking, so tasks on the cooperative pool
/// may call it; a byte written to a pipe wakes the loop out of `poll`.
final class HTTPLoopMailbox: Sendable {
    /// A response a handler task finished.
    struct Completion: Sendable {
        /// The connection the request came on.
        var connection: Int
        /// The request's position on that connection, so responses go out in order.
        var sequence: Int
        /// The task that produced it.
        var task: Int
        /// The handler's response.
        var response: HTTPResponse
    }

    /// What the loop picks up on each turn.
    struct Delivery {
        var completions: [Completion]
        var stopRequested: Bool
    }

    private struct State {
        var completions: [Completion] = []
        /// The write end of the wake pipe; `-1` once the loop has exited and closed it.
        var wakeFD: Int32
        var wakePending = false
        var stopRequested = false
        var exited = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    /// Creates a mailbox that wakes the loop by writing to `wakeFD`.
    init(wakeFD: Int32) {
        state = Mutex(State(wakeFD: wakeFD))
    }

    /// Hands a finished response to the loop. Called from handler tasks.
    func deliver(_ completion: Completion) {
        state.withLock { state in
            state.completions.append(completion)
            Self.wake(&state)
        }
    }

    /// Asks the loop to stop and waits until its thread has closed every socket and
    /// is about to return.
    func stopAndWait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited = state.withLock { state in
                if state.exited { return true }
                state.waiters.append(continuation)
                state.stopRequested = true
                Self.wake(&state)
                return false
            }
            if exited { continuation.resume() }
        }
    }

    /// Takes everything delivered since the last call. Called by the loop thread.
    func take() -> Delivery {
        state.withLock { state in
            let delivery = Delivery(completions: state.completions, stopRequested: state.stopRequested)
            state.completions = []
            state.wakePending = false
            return delivery
        }
    }

    /// Records that the loop has exited: closes the pipe's write end (under the lock,
    /// so no task can write to a reused descriptor) and resumes everyone waiting.
    func markExited() {
        let waiters = state.withLock { state in
            if state.wakeFD >= 0 { HTTPSystem.close(state.wakeFD) }
            state.wakeFD = -1
            state.exited = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private static func wake(_ state: inout State) {
        guard !state.wakePending, state.wakeFD >= 0 else { return }
        state.wakePending = true
        HTTPSystem.poke(state.wakeFD)
    }
}
