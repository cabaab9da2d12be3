import Foundation
import Synchronization

/// Runs actions at deadlines on the host clock: one task serves every running
/// invocation of a function, so an invocation's timeout costs a registration, not a timer.
///
/// Deadlines are readings of the clock's monotonic ``HostClock/uptime()``, so setting
/// the wall clock neither fires timeouts early nor holds them back.
///
/// Entries are few (at most one per worker), so they live in a small array.
final class DeadlineScheduler: Sendable {
    private struct Entry {
        var id: UInt64
        var deadline: Duration
        var action: @Sendable () -> Void
    }

    private struct State {
        var entries: [Entry] = []
        var nextID: UInt64 = 0
        /// The deadline the loop sleeps until, or nil while it waits for a first entry.
        var sleepingUntil: Duration?
    }

    private let state = Mutex(State())
    private let wakeUp = QueueSignal()
    private let clock: any HostClock
    private static let key = "deadlines"

    /// Creates a scheduler on `clock`; ``run()`` serves it.
    init(clock: any HostClock) {
        self.clock = clock
    }

    /// Runs `action` once when the clock's ``HostClock/uptime()`` reaches `deadline`,
    /// unless ``cancel(_:)`` comes first.
    ///
    /// - Returns: The entry's id, for ``cancel(_:)``.
    func schedule(at deadline: Duration, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, wake): (UInt64, Bool) = state.withLock { state in
            state.nextID += 1
            state.entries.append(Entry(id: state.nextID, deadline: deadline, action: action))
            let wake = state.sleepingUntil.map { deadline < $0 } ?? true
            return (state.nextID, wake)
        }
        if wake { wakeUp.notify(Self.key) }
        return id
    }

    /// Runs `action` once `delay` from now on the monotonic clock, unless ``cancel(_:)`` comes first.
    ///
    /// - Returns: The entry's id, for ``cancel(_:)``.
    func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        schedule(at: clock.uptime() + delay, action)
    }

    /// Forgets the entry `id`; its action will not run.
    func cancel(_ id: UInt64) {
        state.withLock { state in
            if let index = state.entries.firstIndex(where: { $0.id == id }) { state.entries.remove(at: index) }
        }
    }

    /// Fires due actions until the calling task is cancelled.
    func run() async {
        while !Task.isCancelled {
            let generation = wakeUp.generation(of: Self.key)
            let now = clock.uptime()
            let (due, next): ([Entry], Duration?) = state.withLock { state in
                let due = state.entries.filter { $0.deadline <= now }
                if !due.isEmpty { state.entries.removeAll { $0.deadline <= now } }
                let next = state.entries.map(\.deadline).min()
                state.sleepingUntil = next
                return (due, next)
            }
            for entry in due { entry.action() }
            if !due.isEmpty { continue }
            if let next {
                await wakeUp.wait(on: Self.key, ifGeneration: generation, untilUptime: next, clock: clock)
            } else {
                await wakeUp.wait(on: Self.key, ifGeneration: generation)
            }
        }
    }
}

/// A value delivered once, by whichever of several parties comes first.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Value, Never>)
        case resolved(Value)
        case delivered
    }

    private let state = Mutex(State.pending)

    /// Delivers `value` unless a value was delivered already.
    func resolve(_ value: Value) {
        let continuation: CheckedContinuation<Value, Never>? = state.withLock { state in
            switch state {
            case .pending:
                state = .resolved(value)
                return nil
            case .waiting(let continuation):
                state = .delivered
                return continuation
            case .resolved, .delivered:
                return nil
            }
        }
        continuation?.resume(returning: value)
    }

    /// Waits for the first delivered value. Call once.
    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value? = state.withLock { state in
                switch state {
                case .pending:
                    state = .waiting(continuation)
                    return nil
                case .resolved(let value):
                    state = .delivered
                    return value
                case .waiting, .delivered:
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
