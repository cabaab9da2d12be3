import Foundation
import Synchronization

/// A clock that only moves when told to, for deterministic tests and simulation.
///
/// Sleepers are resumed, in deadline order, by ``advance(by:)`` or ``advance(to:)``.
public final class ManualClock: HostClock {
    private enum Slot {
        case pending(deadline: Date)
        case cancelled
        case waiting(deadline: Date, continuation: CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var now: Date
        /// The monotonic reading: moved by exactly what ``advance(by:)`` is given.
        var uptime: Duration = .zero
        var nextID: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
        /// Sleepers on ``uptime()``, by the date they sleep until: when the clock passes that
        /// date, the reading is raised to at least their deadline, so a sleeper never wakes
        /// to a reading a rounding short of what it waited for.
        var uptimeFloors: [(date: Date, uptime: Duration)] = []
    }

    private let state: Mutex<State>

    /// Creates a manual clock that starts at `start` (2026-01-01 00:00 UTC by default).
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Mutex(State(now: start))
    }

    /// The clock's current time.
    public func now() -> Date {
        state.withLock { $0.now }
    }

    /// The time this clock has been advanced by since it was created, exactly.
    public func uptime() -> Duration {
        state.withLock { $0.uptime }
    }

    /// Suspends until the clock has been advanced to `deadline` on ``uptime()``.
    public func sleep(untilUptime deadline: Duration) async throws {
        let date: Date? = state.withLock { state in
            if state.uptime >= deadline { return nil }
            var date = state.now.adding(deadline - state.uptime)
            if date <= state.now { date = Date(timeIntervalSinceReferenceDate: state.now.timeIntervalSinceReferenceDate.nextUp) }
            state.uptimeFloors.append((date, deadline))
            return date
        }
        guard let date else {
            try Task.checkCancellation()
            return
        }
        try await sleep(until: date)
    }

    /// The number of tasks currently sleeping on this clock.
    public var sleeperCount: Int {
        state.withLock { state in
            state.slots.values.count { if case .waiting = $0 { true } else { false } }
        }
    }

    /// The earliest deadline any sleeper is waiting for, if any.
    public var nextDeadline: Date? {
        state.withLock { state in
            state.slots.values.compactMap { slot -> Date? in
                if case .waiting(let deadline, _) = slot { return deadline }
                return nil
            }.min()
        }
    }

    /// Suspends until the clock has been advanced to `deadline`.
    public func sleep(until deadline: Date) async throws {
        let id: UInt64? = state.withLock { state in
            if state.now >= deadline { return nil }
            state.nextID += 1
            state.slots[state.nextID] = .pending(deadline: deadline)
            return state.nextID
        }
        guard let id else {
            try Task.checkCancellation()
            return
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { state in
                    if case .cancelled = state.slots[id] {
                        state.slots.removeValue(forKey: id)
                        return .some(CancellationError())
                    }
                    if state.now >= deadline {
                        state.slots.removeValue(forKey: id)
                        return .some(nil)
                    }
                    state.slots[id] = .waiting(deadline: deadline, continuation: continuation)
                    return .none
                }
                switch resumeNow {
                case .none: break
                case .some(.none): continuation.resume()
                case .some(.some(let error)): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
                switch state.slots[id] {
                case .pending:
                    state.slots[id] = .cancelled
                    return nil
                case .waiting(_, let continuation):
                    state.slots.removeValue(forKey: id)
                    return continuation
                case .cancelled, .none:
                    return nil
                }
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration`, waking every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        move { state in
            guard duration > .zero else { return }
            state.now = state.now.adding(duration)
            state.uptime += duration
        }
    }

    /// Moves the clock to `date` (never backwards), waking every sleeper whose deadline has come.
    public func advance(to date: Date) {
        move { state in
            guard date > state.now else { return }
            state.uptime += date.duration(since: state.now)
            state.now = date
        }
    }

    private func move(_ change: (inout State) -> Void) {
        let due: [(Date, CheckedContinuation<Void, any Error>)] = state.withLock { state in
            change(&state)
            let now = state.now
            if !state.uptimeFloors.isEmpty {
                for floor in state.uptimeFloors where floor.date <= now && floor.uptime > state.uptime {
                    state.uptime = floor.uptime
                }
                state.uptimeFloors.removeAll { $0.date <= now }
            }
            var due: [(Date, CheckedContinuation<Void, any Error>)] = []
            for (id, slot) in state.slots {
                if case .waiting(let deadline, let continuation) = slot, deadline <= now {
                    state.slots.removeValue(forKey: id)
                    due.append((deadline, continuation))
                }
            }
            return due.sorted { $0.0 < $1.0 }
        }
        for (_, continuation) in due { continuation.resume() }
    }
}
