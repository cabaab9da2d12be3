import Foundation
import Synchronization

/// One `NOTIFY` of the store's channel: up to `count` workers waiting on `queue` should
/// look again. The payload is `"COUNT QUEUE"` (the queue name may hold spaces).
struct PostgresWakeUp: Sendable, Equatable {
    /// The queue where messages became visible.
    var queue: String
    /// How many became visible: how many waiters to wake.
    var count: Int

    init(queue: String, count: Int) {
        self.queue = queue
        self.count = count
    }

    /// Reads a payload; nil when it is not one (another program's NOTIFY on the channel).
    init?(payload: String) {
        guard let space = payload.firstIndex(of: " "), let count = Int(payload[..<space]), count > 0 else { return nil }
        self.queue = String(payload[payload.index(after: space)...])
        self.count = count
    }

    /// The `NOTIFY` payload.
    var payload: String { "\(count) \(queue)" }
}

/// The server processes (backend PIDs) of a store's own pool connections: the listener
/// skips their notifications, because the store woke its own waiters when the call returned.
final class PostgresBackends: Sendable {
    private let pids = Mutex<Set<Int32>>([])

    func insert(_ pid: Int32) { _ = pids.withLock { $0.insert(pid) } }
    func remove(_ pid: Int32) { _ = pids.withLock { $0.remove(pid) } }
    func contains(_ pid: Int32) -> Bool { pids.withLock { $0.contains(pid) } }
}
