import QueueFunctions
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one listening connection of a store: `LISTEN`s on ``PostgresSchema/channel`` and
/// hands each notification (a queue name) to `deliver`, which fans it out in process.
///
/// It runs on a thread of its own, waiting in `poll()` on the connection's socket with a
/// short timeout so that it notices ``stop()``. When the connection breaks it reconnects
/// with backoff and then calls `deliver(nil)`: sends made while it was away were missed,
/// so every waiter should look again.
final class PostgresListener: Sendable {
    private struct State {
        var stopping = false
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let connected = Atomic<Bool>(false)
    private let target: PostgresTarget
    private let deliver: @Sendable (PostgresWakeUp?) -> Void
    private let ownBackends: PostgresBackends
    private let pollInterval: Int32 = 100

    /// Starts listening for `target` on a new thread.
    ///
    /// - Parameters:
    ///   - ownBackends: The server processes of this store's own connections: their
    ///     notifications are skipped, since the store already woke its waiters in process.
    ///   - deliver: Called on the listener's thread with a wake-up, or nil after a reconnection.
    init(target: PostgresTarget, ownBackends: PostgresBackends, deliver: @escaping @Sendable (PostgresWakeUp?) -> Void) {
        self.target = target
        self.ownBackends = ownBackends
        self.deliver = deliver
        let thread = Thread { [self] in
            Thread.current.name = "qf-pg-listener"
            run()
        }
        thread.start()
    }

    /// Whether the listening connection is up now.
    var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// Stops the thread and closes its connection; returns once it has.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = state.withLock { state in
                state.stopping = true
                if state.stopped { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Asks the thread to stop, without waiting.
    func requestStop() {
        state.withLock { $0.stopping = true }
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        var backoff = PostgresReconnectBackoff()
        var connection: PostgresConnection?
        var everConnected = false
        while !stopping {
            guard let open = connection, open.isOpen else {
                connection?.close()
                connection = nil
                connected.store(false, ordering: .relaxed)
                let now = ContinuousClock.now
                guard backoff.mayAttempt(at: now) else {
                    usleep(UInt32(pollInterval) * 1000)
                    continue
                }
                do {
                    let opened = try PostgresConnection(target: target, applicationName: "queuefunctions-listener")
                    try opened.execute("LISTEN \(PostgresSchema.channel)", doing: "listening for sends")
                    connection = opened
                    backoff.succeeded()
                    connected.store(true, ordering: .relaxed)
                    if everConnected { deliver(nil) }
                    everConnected = true
                } catch {
                    backoff.failed(at: now)
                }
                continue
            }
            var descriptor = pollfd(fd: open.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, pollInterval)
            guard ready > 0 else { continue }
            do {
                for notification in try open.consumeNotifications()
                where notification.channel == PostgresSchema.channel && !ownBackends.contains(notification.sender) {
                    if let wakeUp = PostgresWakeUp(payload: notification.payload) { deliver(wakeUp) }
                }
            } catch {
                open.close()
            }
        }
        connection?.close()
        connected.store(false, ordering: .relaxed)
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.stopped = true
            let waiters = state.waiters
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
