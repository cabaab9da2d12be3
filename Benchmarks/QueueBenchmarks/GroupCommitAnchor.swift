import CSQLite
import Dispatch
import Foundation
import Synchronization

/// The machine's limit for single durable sends from concurrent callers, without our library:
/// raw SQLite from Swift, one writer thread with group commit, and `senders` system threads
/// (not tasks) that each hand in one row and wait for the commit that holds it before handing
/// in the next. It is the pattern of `SQLiteQueueStore.send` from 8 tasks at its plainest: the
/// writer takes every row waiting, waits up to 100 µs for as many as the last commit held,
/// inserts them and commits (WAL, `synchronous=NORMAL`, SQLite's own checkpoints every 10,000
/// frames), then wakes each sender. The rows carry a 36-character text id under a UNIQUE
/// index and a 143-byte body, as ours do. Each waiting caller costs a wake-up, and on a machine
/// where waking a thread on the other CPU is slow that is what bounds it, as it bounds us.
enum GroupCommitAnchor {
    /// Sends `messages` rows from `senders` threads; returns rows per second.
    ///
    /// - Throws: ``BenchmarkError`` when SQLite refuses the scratch file, or for fewer
    ///   messages than senders.
    static func run(senders: Int, messages: Int, bodyBytes: Int) throws -> Double {
        guard senders > 0, messages >= senders else {
            throw BenchmarkError("group-commit anchor: \(messages) messages cannot be shared by \(senders) senders; pass --messages \(max(senders, 1)) or more")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("queuefunctions-group-commit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try Writer(path: directory.appendingPathComponent("anchor.sqlite").path, senders: senders, bodyBytes: bodyBytes)
        let perSender = messages / senders
        let sendersDone = DispatchGroup()
        let start = monotonicNanos()
        Thread { writer.run(total: perSender * senders) }.start()
        for sender in 0..<senders {
            sendersDone.enter()
            Thread {
                for _ in 0..<perSender { writer.send(from: sender) }
                sendersDone.leave()
            }.start()
        }
        writer.done.wait()
        sendersDone.wait()
        let elapsed = seconds(since: start)
        writer.close()
        return Double(perSender * senders) / elapsed
    }

    /// The writer thread's side: the rows waiting, and the SQLite connection.
    private final class Writer: @unchecked Sendable {
        // @unchecked: `handle`, `insert`, `body` and `sequence` are used by the writer thread
        // alone (after init, before close); everything shared goes through `state`.
        private struct State {
            var waiting: [Int] = []
            var writerAsleep = false
            var wanted = 1
        }

        private let state = Mutex(State())
        private let wake = DispatchSemaphore(value: 0)
        private let committed: [DispatchSemaphore]
        let done = DispatchSemaphore(value: 0)
        private var handle: OpaquePointer?
        private var insert: OpaquePointer?
        private let body: [UInt8]
        private var sequence = 0

        init(path: String, senders: Int, bodyBytes: Int) throws {
            committed = (0..<senders).map { _ in DispatchSemaphore(value: 0) }
            body = [UInt8](repeating: 0x78, count: bodyBytes)
            guard sqlite3_open(path, &handle) == SQLITE_OK else {
                throw BenchmarkError("group-commit anchor: SQLite cannot open \(path)")
            }
            let schema = """
                PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000;
                CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body BLOB NOT NULL);
                """
            guard sqlite3_exec(handle, schema, nil, nil, nil) == SQLITE_OK,
                  sqlite3_prepare_v2(handle, "INSERT INTO messages (id, body) VALUES (?1, ?2)", -1, &insert, nil) == SQLITE_OK
            else {
                throw BenchmarkError("group-commit anchor: \(String(cString: sqlite3_errmsg(handle)))")
            }
        }

        /// Hands in one row for `sender` and waits until a commit holds it.
        func send(from sender: Int) {
            let signal: Bool = state.withLock { state in
                state.waiting.append(sender)
                guard state.writerAsleep, state.waiting.count >= state.wanted else { return false }
                state.writerAsleep = false
                return true
            }
            if signal { wake.signal() }
            committed[sender].wait()
        }

        /// Commits rows until `total` have been written, then signals `done`.
        func run(total: Int) {
            var written = 0
            var lastGroup = 1
            while written < total {
                let wanted = lastGroup
                let taken: [Int]? = state.withLock { state in
                    guard state.waiting.count >= wanted else {
                        state.writerAsleep = true
                        state.wanted = wanted
                        return nil
                    }
                    defer { state.waiting.removeAll(keepingCapacity: true) }
                    return state.waiting
                }
                guard let senders = taken else {
                    if wake.wait(timeout: .now() + .microseconds(100)) == .timedOut {
                        let signalled: Bool = state.withLock { state in
                            defer { state.writerAsleep = false }
                            return !state.writerAsleep
                        }
                        if signalled { wake.wait() }
                    }
                    lastGroup = 1
                    continue
                }
                commit(rows: senders.count)
                written += senders.count
                lastGroup = senders.count
                for sender in senders { committed[sender].signal() }
            }
            done.signal()
        }

        private func commit(rows: Int) {
            sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil)
            for _ in 0..<rows {
                sequence += 1
                let id = String(repeating: "0", count: 36 - String(sequence).count) + String(sequence)
                body.withUnsafeBytes { bytes in
                    _ = sqlite3_bind_text(insert, 1, id, -1, unsafeBitCast(Int(-1), to: sqlite3_destructor_type.self))
                    _ = sqlite3_bind_blob(insert, 2, bytes.baseAddress, Int32(bytes.count), nil)
                    _ = sqlite3_step(insert)
                    _ = sqlite3_reset(insert)
                }
            }
            sqlite3_exec(handle, "COMMIT", nil, nil, nil)
        }

        func close() {
            sqlite3_finalize(insert)
            sqlite3_close(handle)
        }
    }
}
