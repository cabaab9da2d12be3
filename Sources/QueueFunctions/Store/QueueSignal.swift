import Foundation
import Synchronization

/// Wakes tasks waiting for messages on a queue when something is sent in this process.
///
/// Waiting is race-free through generations: read ``generation(of:)`` before checking
/// the queue, then ``wait(on:ifGeneration:)`` returns at once if anything was signalled
/// in between.
public final class QueueSignal: Sendable {
    private enum Slot {
        case pending
        case cancelled
        case waiting(CheckedContinuation<Void, Never>)
    }

    private struct QueueWaiters {
        var generation: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
    }

    private struct State {
        var queues: [String: QueueWaiters] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates a signal with no waiters.
    public init() {}

    /// The current generation of `queue`: it changes on every ``notify(_:count:)``.
    public func generation(of queue: String) -> UInt64 {
        state.withLock { $0.queues[queue]?.generation ?? 0 }
    }

    /// Wakes up to `count` waiters of `queue` (all of them when `count` is nil).
    public func notify(_ queue: String, count: Int? = nil) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard var entry = state.queues[queue] else {
                state.queues[queue] = QueueWaiters(generation: 1)
                return []
            }
            entry.generation &+= 1
            var woken: [CheckedContinuation<Void, Never>] = []
            let limit = count ?? Int.max
            for (key, slot) in entry.slots where woken.count < limit {
                if case .waiting(let continuation) = slot {
                    entry.slots.removeValue(forKey: key)
                    woken.append(continuation)
                }
            }
            state.queues[queue] = entry
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Suspends until `queue` is notified, returning at once when its generation
    /// is no longer `generation` or the task is cancelled.
    public func wait(on queue: String, ifGeneration generation: UInt64) async {
        let id: UInt64 = state.withLock { state in
            state.nextID += 1
            state.queues[queue, default: QueueWaiters()].slots[state.nextID] = .pending
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    guard var entry = state.queues[queue] else { return true }
                    if case .cancelled = entry.slots[id] {
                        entry.slots.removeValue(forKey: id)
                        state.queues[queue] = entry
                        return true
                    }
                    if entry.generation != generation {
                        entry.slots.removeValue(forKey: id)
                        state.queues[queue] = entry
                        return true
                    }
                    entry.slots[id] = .waiting(continuation)
                    state.queues[queue] = entry
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
                guard let slot = state.queues[queue]?.slots[id] else { return nil }
                switch slot {
                case .pending:
                    state.queues[queue]?.slots[id] = .cancelled
                    return nil
                case .cancelled:
                    return nil
                case .waiting(let continuation):
                    state.queues[queue]?.slots.removeValue(forKey: id)
                    return continuation
                }
            }
            continuation?.resume()
        }
    }

    /// Waits for a notification of `queue` (after `generation`) or for `deadline` on
    /// `clock`, whichever comes first.
    public func wait(on queue: String, ifGeneration generation: UInt64, until deadline: Date, clock: any HostClock) async {
        await wait(on: queue, ifGeneration: generation) { try? await clock.sleep(until: deadline) }
    }

    /// Waits for a notification of `queue` (after `generation`) or for the clock's monotonic
    /// ``HostClock/uptime()`` to reach `deadline`, whichever comes first.
    package func wait(on queue: String, ifGeneration generation: UInt64, untilUptime deadline: Duration, clock: any HostClock) async {
        await wait(on: queue, ifGeneration: generation) { try? await clock.sleep(untilUptime: deadline) }
    }

    private func wait(on queue: String, ifGeneration generation: UInt64, orUntil timer: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(on: queue, ifGeneration: generation) }
            group.addTask { await timer() }
            await group.next()
            group.cancelAll()
        }
    }
}
