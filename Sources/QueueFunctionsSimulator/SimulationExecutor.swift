import QueueFunctions
import Foundation
import Synchronization

/// A task executor that runs every job on one thread of its own and knows when it has
/// nothing left to run: the moment a host on a ``ManualClock`` has done everything it
/// can without the clock moving.
///
/// Tasks started inside `withTaskExecutorPreference(executor)` (and their child tasks)
/// run here, so ``idle()`` means "every worker, handler and scaling loop is parked":
/// on the clock, on a queue signal, or finished. ``VirtualHost`` and the ``Simulator``
/// use it to advance virtual time one event at a time, deterministically and without
/// guessing how long to wait.
public final class SimulationExecutor: TaskExecutor {
    private enum Step {
        case run(UnownedJob)
        case resume([CheckedContinuation<Void, Never>])
        case sleep
        case exit
    }

    private struct State {
        var jobs = RingBuffer<UnownedJob>()
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var sleeping = false
        var shutDown = false
    }

    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)

    /// Creates the executor and starts its thread; call ``shutdown()`` when done.
    public init() {
        let thread = Thread { [self] in
            Thread.current.name = "qf-simulation"
            loop()
        }
        thread.start()
    }

    /// Queues a job to run on the executor's thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        let signal = state.withLock { state in
            state.jobs.append(unownedJob)
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if signal { wakeUp.signal() }
    }

    /// Suspends until the executor has no job left to run.
    public func idle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.shutDown || (state.sleeping && state.jobs.isEmpty) { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Lets the thread finish once the queued jobs have run.
    public func shutdown() {
        let signal = state.withLock { state in
            state.shutDown = true
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if signal { wakeUp.signal() }
    }

    private func loop() {
        while true {
            let step: Step = state.withLock { state in
                if let job = state.jobs.popFirst() { return .run(job) }
                if !state.idleWaiters.isEmpty {
                    defer { state.idleWaiters = [] }
                    return .resume(state.idleWaiters)
                }
                if state.shutDown { return .exit }
                state.sleeping = true
                return .sleep
            }
            switch step {
            case .run(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            case .resume(let waiters): for waiter in waiters { waiter.resume() }
            case .sleep: wakeUp.wait()
            case .exit: return
            }
        }
    }
}
