import Foundation
import Synchronization

/// Something a person watching the host may want to see: a scaling decision, a
/// dead-lettered message, a failing invocation, a cold start.
public struct HostEvent: Sendable, Equatable, Codable {
    /// What kind of event this is.
    public enum Kind: String, Sendable, Codable {
        /// The autoscaler changed (or held) a worker count.
        case scaling
        /// A message was moved to a dead-letter queue.
        case deadLetter = "dead_letter"
        /// An invocation failed (threw or timed out).
        case failure
        /// A worker started and created its handler.
        case coldStart = "cold_start"
        /// The host started or stopped.
        case lifecycle
        /// A dependency's circuit breaker changed state.
        case dependency
    }

    /// When it happened.
    public var time: Date
    /// What kind of event this is.
    public var kind: Kind
    /// The function concerned, if any.
    public var function: String?
    /// What happened, with its reason.
    public var message: String

    /// Creates an event.
    public init(time: Date, kind: Kind, function: String?, message: String) {
        self.time = time
        self.kind = kind
        self.function = function
        self.message = message
    }
}

/// Keeps the most recent events for the dashboard and `status`.
public final class HostEventLog: Sendable {
    private struct State {
        var events = RingBuffer<HostEvent>()
        var countsByKind: [HostEvent.Kind: Int] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int

    /// Creates a log that keeps the last `capacity` events.
    public init(capacity: Int = 500) {
        self.capacity = capacity
    }

    /// Records an event.
    public func record(_ event: HostEvent) {
        state.withLock { state in
            state.events.append(event)
            if state.events.count > capacity { _ = state.events.popFirst() }
            state.countsByKind[event.kind, default: 0] += 1
        }
    }

    /// The kept events, oldest first, optionally only of one kind.
    public func recent(kind: HostEvent.Kind? = nil, limit: Int = .max) -> [HostEvent] {
        state.withLock { state in
            var all: [HostEvent] = []
            state.events.forEach { if kind == nil || $0.kind == kind { all.append($0) } }
            return Array(all.suffix(limit))
        }
    }

    /// How many events of `kind` were ever recorded.
    public func count(of kind: HostEvent.Kind) -> Int {
        state.withLock { $0.countsByKind[kind] ?? 0 }
    }
}
