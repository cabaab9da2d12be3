import Foundation
import QueueFunctions

/// A fault that ``FaultyFunction`` injects into an invocation (one batch).
public struct HandlerFault: Sendable {
    enum Effect: Sendable {
        case throwing
        case hanging
        case ignoringCancellation(Duration)
        case crashing
    }

    let effect: Effect
    let trigger: FaultTrigger

    /// The invocation throws ``InjectedHandlerError`` instead of running the handler:
    /// its messages are retried with backoff like any failure.
    public static func throwing(when trigger: FaultTrigger) -> HandlerFault {
        HandlerFault(effect: .throwing, trigger: trigger)
    }

    /// The invocation hangs until it is cancelled (by its timeout or a shutdown), then
    /// throws `CancellationError`.
    public static func hanging(when trigger: FaultTrigger) -> HandlerFault {
        HandlerFault(effect: .hanging, trigger: trigger)
    }

    /// The invocation hangs for `duration` on the host's clock and does not stop when
    /// cancelled (a handler stuck in a call that ignores cancellation). Afterwards it
    /// throws `CancellationError` if it was cancelled meanwhile, else runs the handler.
    /// Under ``TestHost`` the hang ends when the test advances the clock past it.
    public static func ignoringCancellation(for duration: Duration, when trigger: FaultTrigger) -> HandlerFault {
        HandlerFault(effect: .ignoringCancellation(duration), trigger: trigger)
    }

    /// The invocation "crashes": it throws ``SimulatedCrash`` without running the handler.
    ///
    /// A real crash kills the process; its leases lapse and the messages come back with
    /// their receive counted, so a message that always crashes reaches the dead-letter
    /// queue after `max_receive_count` deliveries. In-process, the dispatcher settles the
    /// thrown crash as a failure: the message is retried with its receive counted and
    /// is dead-lettered after `max_receive_count` deliveries — the same end state, reached
    /// after the retry backoff instead of the visibility timeout. Its failure history says
    /// "simulated crash". To also lose the settlement as a crash would, combine it with a
    /// ``StoreFaults/Fault/failure(_:of:when:)`` on `.settle`, or stop the host with
    /// ``TestHost/shutdownNow()``.
    public static func crashing(when trigger: FaultTrigger) -> HandlerFault {
        HandlerFault(effect: .crashing, trigger: trigger)
    }
}

/// The error a ``HandlerFault/throwing(when:)`` fault throws.
public struct InjectedHandlerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The function's name.
    public var function: String
    /// Which invocation of the wrapper this was (1 is the first).
    public var invocation: Int

    /// What happened.
    public var description: String {
        "injected handler failure in '\(function)' (invocation \(invocation) of the FaultyFunction)"
    }
}

/// The error a ``HandlerFault/crashing(when:)`` fault throws in place of a process crash.
public struct SimulatedCrash: Error, CustomStringConvertible, Sendable, Equatable {
    /// The function's name.
    public var function: String
    /// Which invocation of the wrapper this was (1 is the first).
    public var invocation: Int

    /// What happened.
    public var description: String {
        "simulated crash in '\(function)' (invocation \(invocation) of the FaultyFunction)"
    }
}
