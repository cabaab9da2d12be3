import Synchronization

/// The messages one invocation sent through its context, held until its batch settles.
package final class InvocationOutbox: Sendable {
    private struct State {
        var messages: [QueuedMessage] = []
        var sealed = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Holds `message` for the batch's settlement.
    ///
    /// - Throws: ``QueueClient/SendError`` once the invocation has ended (a handler still
    ///   running past its timeout): its batch is settled without it.
    package func append(_ message: QueuedMessage) throws {
        let accepted = state.withLock { state in
            guard !state.sealed else { return false }
            state.messages.append(message)
            return true
        }
        guard accepted else {
            throw QueueClient.SendError(description: "the invocation has ended (timed out or stopped); its batch was settled "
                + "without this message to '\(message.queue)', and the batch is delivered again if it did not succeed")
        }
    }

    /// Ends the invocation's sends and returns them, in send order.
    package func seal() -> [QueuedMessage] {
        state.withLock { state in
            state.sealed = true
            return state.messages
        }
    }
}
