import QueueFunctions
import CSQLite
import Foundation

/// One open SQLite database: the handle, its cached statements, and errors that name the file.
///
/// Not thread-safe by design: a connection is created, used and closed on the one
/// thread of its ``SQLiteWorker``, so no two calls ever overlap.
final class SQLiteConnection {
    /// The database file, as given to SQLite.
    let path: String
    /// How long a write waits for another process's lock before failing.
    let busyTimeout: Duration
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]
    /// Statements that take a run of rows, by kind and row count (see ``statement(_:count:sql:)``).
    private var runStatements: [RunStatementKey: SQLiteStatement] = [:]
    /// Statements found by ``HotStatement`` slot (see `statement(_:_:)` with a slot);
    /// the same objects as in `statements`, which finalizes them.
    private var hotStatements = [SQLiteStatement?](repeating: nil, count: HotStatement.allCases.count)
    /// Queue name → row id of `queues`. Rows are never deleted, so an entry stays
    /// right unless the transaction that created it rolls back; the worker clears the
    /// cache on every rollback.
    var queueIDs: [String: Int64] = [:]
    /// Lease receipts: a sequence seeded from the system's random source when the file is
    /// opened, so that each process's receipts differ from every other's.
    private var receipts = SplitMix64(seed: UInt64.random(in: UInt64.min...UInt64.max))

    /// Opens (creating if missing) the database at `path` in WAL mode.
    ///
    /// - Throws: ``QueueStoreError`` with kind `.unusableLocation` when the file cannot
    ///   be opened, is not a database, or stays locked longer than `busyTimeout`.
    init(path: String, options: SQLiteQueueStore.Options) throws {
        self.path = path
        self.busyTimeout = options.busyTimeout
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        // The default VFS, with each commit written to the WAL in one write (SQLiteWALWriteBuffer).
        let code = sqlite3_open_v2(path, &opened, flags, SQLiteWALWriteBuffer.vfsName)
        handle = opened
        guard code == SQLITE_OK else {
            let error = failure(code, doing: "opening the file")
            close()
            throw error
        }
        sqlite3_extended_result_codes(opened, 1)
        let milliseconds = options.busyTimeout.components.seconds * 1000
            + options.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(opened, Int32(clamping: milliseconds))
        do {
            let mode = try switchToWAL(within: options.busyTimeout)
            guard mode.lowercased() == "wal" else {
                throw QueueStoreError(
                    .unusableLocation,
                    "cannot switch the queue store \(path) to WAL mode (it stays in \(mode) mode); "
                        + "put the store on a local disk that supports shared memory"
                )
            }
            try execute("PRAGMA synchronous=\(options.synchronous.pragmaValue)")
            // A 24 MiB page cache keeps the hot index pages of a large backlog in memory and
            // the process at about 58 MiB resident with 1,000,000 messages queued (64 MiB of
            // cache made it 105 MiB and sent no faster; `QueueBenchmarks memory --engine sqlite`).
            try execute("PRAGMA cache_size=-24576")
            // Savepoint and statement journals stay in memory instead of temporary files.
            try execute("PRAGMA temp_store=MEMORY")
            // Some system builds (Debian's) default to secure_delete=ON, which zero-fills and
            // writes every freed page; FAST zeroes deleted cells only in pages written anyway.
            try execute("PRAGMA secure_delete=FAST")
            // Checkpoint every ~40 MiB of WAL instead of 4 MiB: fewer fdatasyncs, and pages
            // rewritten by many commits (index roots, counts, freelist) are copied back once.
            try execute("PRAGMA wal_autocheckpoint=10000")
            // After a checkpoint, the WAL file keeps the size it reaches between restarts.
            try execute("PRAGMA journal_size_limit=\(SQLiteCheckpointer.walSizeLimit)")
        } catch {
            close()
            throw error
        }
    }

    /// Switches the file to WAL mode. A process that creates or converts the same new file
    /// at the same moment holds a lock the busy handler does not wait for, so the switch is
    /// tried again every 20 ms until it sticks or `timeout` passes. Runs on the store's own
    /// thread, never on the cooperative pool.
    ///
    /// - Returns: The journal mode the file ended in.
    private func switchToWAL(within timeout: Duration) throws -> String {
        let giveUp = ContinuousClock.now + timeout
        while true {
            do {
                let mode = try scalarText("PRAGMA journal_mode=WAL")
                if mode.lowercased() == "wal" || ContinuousClock.now >= giveUp { return mode }
            } catch let error as QueueStoreError where error.kind == .busy && ContinuousClock.now < giveUp {
                // Another process holds the file for a moment: try again below.
            }
            usleep(20_000)
        }
    }

    deinit {
        close()
    }

    /// A new lease receipt (never 0, the receipt of a message never leased).
    func nextReceipt() -> UInt64 {
        var receipt = receipts.next()
        while receipt == 0 { receipt = receipts.next() }
        return receipt
    }

    /// Finalizes every statement and closes the database. Safe to call twice.
    func close() {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        for statement in runStatements.values { statement.finalize() }
        runStatements.removeAll()
        hotStatements = hotStatements.map { _ in nil }
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// The cached prepared statement for `sql`, reset and ready to bind.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        guard let handle else { throw QueueStoreError(.closed, "the SQLite queue store \(path) was closed") }
        var compiled: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &compiled, nil)
        guard code == SQLITE_OK, let compiled else {
            sqlite3_finalize(compiled)
            throw failure(code, doing: "preparing \(sql)")
        }
        let statement = SQLiteStatement(handle: compiled, connection: self)
        statements[sql] = statement
        return statement
    }

    /// The cached prepared statement of `kind` for `count` rows, reset and ready to bind;
    /// `sql(count)` writes it the first time. Looked up without hashing the SQL text, which
    /// grows with `count`. With `bindingAll`, the caller binds every parameter, so the old
    /// bindings are not cleared first.
    func statement(_ kind: String, count: Int, bindingAll: Bool = false, sql: (Int) -> String) throws -> SQLiteStatement {
        let key = RunStatementKey(kind: kind, count: count)
        if let cached = runStatements[key] {
            if bindingAll { cached.rewind() } else { cached.reset() }
            return cached
        }
        let text = sql(count)
        let statement = try statement(text)
        statements[text] = nil
        runStatements[key] = statement
        return statement
    }

    /// The cached prepared statement for `sql`, reset and ready to bind, found by `slot`
    /// instead of by hashing the SQL text: for the statements every send or commit runs.
    /// Each slot must always be used with the same `sql`.
    func statement(_ slot: HotStatement, _ sql: @autoclosure () -> String) throws -> SQLiteStatement {
        if let cached = hotStatements[slot.rawValue] {
            cached.reset()
            return cached
        }
        let text = sql()
        let statement = try statement(text)
        hotStatements[slot.rawValue] = statement
        return statement
    }

    /// Runs the statement of `slot` (see `statement(_:_:)` with a slot) to its end.
    func execute(_ slot: HotStatement, _ sql: @autoclosure () -> String) throws {
        try statement(slot, sql()).run()
    }

    /// Runs `sql` (one statement, cached) to its end.
    func execute(_ sql: String) throws {
        try statement(sql).run()
    }

    /// Runs one or more uncached statements, such as a schema script.
    func executeScript(_ sql: String) throws {
        guard let handle else { throw QueueStoreError(.closed, "the SQLite queue store \(path) was closed") }
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw failure(code, doing: "updating the schema") }
    }

    /// The first column of the first row of `sql` as an integer (0 when there is no row).
    func scalarInt(_ sql: String) throws -> Int64 {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : 0
    }

    /// The first column of the first row of `sql` as text (empty when there is no row).
    func scalarText(_ sql: String) throws -> String {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : ""
    }

    /// Hands the checkpoints of this connection's commits to `checkpointer`.
    func checkpoint(with checkpointer: SQLiteCheckpointer) {
        guard let handle else { return }
        checkpointer.install(on: handle)
    }

    /// Whether a transaction is open (an `OR ROLLBACK` conflict ends it without a ROLLBACK).
    var inTransaction: Bool {
        guard let handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int {
        guard let handle else { return 0 }
        return Int(sqlite3_changes(handle))
    }

    /// Turns an SQLite result code into an error that names the file and says what to do.
    func failure(_ code: Int32, doing action: String) -> QueueStoreError {
        let detail: String
        if let handle, let text = sqlite3_errmsg(handle) {
            detail = String(cString: text)
        } else if let text = sqlite3_errstr(code) {
            detail = String(cString: text)
        } else {
            detail = "error \(code)"
        }
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            // Retryable: the host backs off and tries again; finished work is kept meanwhile.
            return QueueStoreError(
                .busy,
                "database is locked by another process for more than \(DurationText.format(busyTimeout)): \(path); "
                    + "stop the other process that has it open, or give this host its own store file"
            )
        case SQLITE_NOTADB:
            return QueueStoreError(
                .unusableLocation,
                "\(path) is not a SQLite database, so it cannot be a QueueFunctions queue store; "
                    + "move the file away or choose another path with --store sqlite:PATH"
            )
        case SQLITE_CORRUPT:
            return QueueStoreError(
                .unusableLocation,
                "the queue store \(path) is damaged (\(detail)); restore it from a backup or move it away to start empty"
            )
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH:
            return QueueStoreError(
                .unusableLocation,
                "cannot open the queue store \(path) for writing (\(detail)); "
                    + "check that its directory exists and is writable, or choose another path with --store sqlite:PATH"
            )
        case SQLITE_FULL, SQLITE_IOERR:
            return QueueStoreError(
                .unusableLocation,
                "cannot write the queue store \(path) (\(detail)); check free disk space and the disk itself"
            )
        default:
            return QueueStoreError(.engine, "SQLite failed while \(action) in \(path): \(detail) (code \(code))")
        }
    }
}

/// Names a statement that takes a run of rows: its kind (a short name) and row count.
/// The statements run by every send or commit, cached in slots (no hashing of their text).
enum HotStatement: Int, CaseIterable {
    case begin, commit, savepointSends, releaseSends, nextSeq, nextPosition, updateCounts
}

private struct RunStatementKey: Hashable {
    var kind: String
    var count: Int
}
