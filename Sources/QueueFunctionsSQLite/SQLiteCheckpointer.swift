import CSQLite
import Dispatch
import Foundation
import Synchronization

/// Copies the WAL back into the database file from a thread and connection of its own.
///
/// SQLite checkpoints in the COMMIT that takes the WAL past `wal_autocheckpoint` frames, on the
/// committing connection: the store thread then waited for the checkpoint's two `fdatasync`s
/// while every caller of that transaction waited for it (with single sends from 8 tasks, about a
/// fifth of the run). Here the store connection's WAL hook asks this thread for a PASSIVE
/// checkpoint instead, which copies frames while the store thread goes on committing. The WAL
/// starts again from its beginning only when a checkpoint has caught up between two commits, so
/// under a steady stream of commits the store thread still checkpoints itself once the WAL holds
/// ``inlineFrames``. Past that size no new checkpoint is asked of this thread, and the first
/// commit after its running one has ended checkpoints what is left on the store thread (by then
/// most frames are copied and synced, so that checkpoint is short); the next commit writes the
/// WAL from its beginning. (SQLite refuses a second checkpoint as busy while one runs: when the
/// store thread tried regardless, this thread was always running and the WAL grew without end,
/// 350 MB and on.) Commits faster than the disk takes the copies would still outrun it: at
/// ``waitFrames`` the committing store thread waits for the running checkpoint to end. When this
/// thread cannot open its connection, the store thread checkpoints as SQLite would.
final class SQLiteCheckpointer: Sendable {
    /// WAL frames after which a checkpoint is asked for (the old `wal_autocheckpoint`).
    static let frames: Int32 = 10_000
    /// WAL frames after which the store thread checkpoints itself, once this thread's running
    /// checkpoint has ended.
    static let inlineFrames: Int32 = 40_000
    /// WAL frames after which the store thread waits for this thread's running checkpoint to
    /// end, then checkpoints itself: the bound on the WAL when the disk falls behind.
    static let waitFrames: Int32 = 60_000
    /// The size a WAL file keeps after a checkpoint (`journal_size_limit`), on both
    /// connections: above what it reaches between restarts (at most ``waitFrames`` frames of
    /// a 4 KiB page and its 24-byte header, 247 MB), so that it is never cut back. Cutting it
    /// to 64 MiB made every restart give up the file's cached pages and its disk blocks,
    /// and the next 100 MB of commits allocate them again (single sends from 8 tasks:
    /// 84,000–90,000 msg/s with the cut, 96,000–102,000 without; BENCHMARKS.md, session 6).
    static let walSizeLimit = 256 * 1024 * 1024

    private struct State {
        var requested = false
        var stopping = false
        /// A checkpoint of this thread runs, or is about to.
        var running = false
        /// The store thread waits on `idle` for the running checkpoint to end.
        var idleWanted = false
        /// The thread has its connection open.
        var available = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts the thread, which opens its own connection to `path`.
    static func start(path: String) -> SQLiteCheckpointer {
        let checkpointer = SQLiteCheckpointer()
        let thread = Thread {
            Thread.current.name = "qf-checkpoint"
            checkpointer.run(path: path)
        }
        thread.start()
        return checkpointer
    }

    /// Ends the thread and closes its connection; waits for that. Called on the store thread
    /// before it closes its own connection (so that the last one to close is the store's).
    func stop() {
        state.withLock { $0.stopping = true }
        wake.signal()
        stopped.wait()
    }

    /// Makes `handle`'s commits ask this thread for checkpoints (replacing `wal_autocheckpoint`).
    func install(on handle: OpaquePointer) {
        sqlite3_wal_hook(handle, { context, handle, name, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
            guard frames >= SQLiteCheckpointer.frames else { return SQLITE_OK }
            if frames >= SQLiteCheckpointer.inlineFrames {
                if frames >= SQLiteCheckpointer.waitFrames { checkpointer.waitUntilIdle() }
                if !checkpointer.isRunning {
                    _ = sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                }
            } else if !checkpointer.request() {
                // Busy (another process checkpoints) is fine: the next commit tries again.
                _ = sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Asks for a checkpoint; false when the thread has no connection to run it on.
    private func request() -> Bool {
        let (available, signal): (Bool, Bool) = state.withLock { state in
            guard state.available else { return (false, false) }
            guard !state.requested else { return (true, false) }
            state.requested = true
            return (true, true)
        }
        if signal { wake.signal() }
        return available
    }

    /// Whether a checkpoint of this thread runs or is asked for.
    private var isRunning: Bool {
        state.withLock { $0.running || $0.requested }
    }

    /// Returns once no checkpoint of this thread runs or is asked for. Called on the store
    /// thread, in its commit's WAL hook, so no new request arrives while it waits.
    private func waitUntilIdle() {
        let busy: Bool = state.withLock { state in
            guard state.running || state.requested else { return false }
            state.idleWanted = true
            return true
        }
        if busy { idle.wait() }
    }

    private func run(path: String) {
        var handle: OpaquePointer?
        if sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let handle {
            // A small page cache: a checkpoint copies frames without it. The WAL keeps its
            // size after a checkpoint, as on the store's connection.
            let pragmas = "PRAGMA cache_size=-512; PRAGMA journal_size_limit=\(Self.walSizeLimit)"
            sqlite3_exec(handle, pragmas, nil, nil, nil)
            state.withLock { $0.available = true }
        }
        while true {
            wake.wait()
            let (requested, stopping): (Bool, Bool) = state.withLock { state in
                defer { state.requested = false }
                if state.stopping { state.available = false }
                state.running = state.requested && !state.stopping
                return (state.requested, state.stopping)
            }
            if stopping { break }
            if requested, let handle {
                _ = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            let waited: Bool = state.withLock { state in
                guard !state.requested else { return false }
                state.running = false
                defer { state.idleWanted = false }
                return state.idleWanted
            }
            if waited { idle.signal() }
        }
        if let handle { sqlite3_close_v2(handle) }
        stopped.signal()
    }
}
