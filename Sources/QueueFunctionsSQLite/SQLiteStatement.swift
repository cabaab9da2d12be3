import QueueFunctions
import CSQLite
import Foundation

/// A prepared statement of one ``SQLiteConnection``, used only on that connection's thread.
///
/// Statements are cached by the connection and reused: ``reset()`` clears the last
/// run's bindings before the next one.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private unowned let connection: SQLiteConnection

    /// The statement's own copy of the bytes of its ``bindCopied(_:id:)`` and
    /// ``bindCopied(_:blob:)`` values, bound without SQLite copying them again (no malloc and
    /// free per value). Reused from run to run; grown before a run when the last one needed more.
    private var arena: UnsafeMutableRawPointer?
    private var arenaCapacity = 0
    private var arenaUsed = 0
    private var arenaWanted = 0

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        arena?.deallocate()
    }

    /// Releases the compiled statement; called by the connection when it closes.
    func finalize() {
        sqlite3_finalize(handle)
    }

    /// Makes the statement ready for another run with new bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Makes the statement ready for another run that binds every parameter again: the
    /// old bindings are left to be replaced (clearing hundreds of a multi-row INSERT costs).
    func rewind() {
        sqlite3_reset(handle)
    }

    // MARK: - Binding (1-based indexes, as in SQL)

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(handle, index, value, -1, Self.transient)
    }

    /// Binds the text of `id` without making a String of it.
    func bind(_ index: Int32, _ id: MessageID) {
        id.withUTF8Text { whole in
            let utf8 = Self.beforeNUL(whole)
            guard let base = utf8.baseAddress, !utf8.isEmpty else {
                bind(index, "")  // empty text, not NULL
                return
            }
            _ = sqlite3_bind_text(handle, index, base, Int32(utf8.count), Self.transient)
        }
    }

    /// `utf8` up to its first NUL byte: text is bound as a C string would be, as
    /// the String `bind` does, so that an id is stored and found the same way by both.
    private static func beforeNUL(_ utf8: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = utf8.baseAddress, let nul = memchr(base, 0, utf8.count) else { return utf8 }
        return UnsafeBufferPointer(start: base, count: UnsafeRawPointer(nul) - UnsafeRawPointer(base))
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, blob value: Data) {
        if value.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
            return
        }
        value.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    // MARK: - Binding copies kept by the statement

    /// Starts binding a run's values with ``bindCopied(_:id:)`` and ``bindCopied(_:blob:)``.
    /// Call it after ``rewind()`` or ``reset()``, before the first of them: the values of the
    /// run before are then dead (every parameter is bound again before the next step).
    func startCopies() {
        if arenaWanted > arenaCapacity {
            arena?.deallocate()
            arenaCapacity = Swift.max(arenaWanted, 2 * arenaCapacity)
            arena = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: 16)
        }
        arenaUsed = 0
        arenaWanted = 0
    }

    /// Binds the text of `id`, copied into the statement's buffer.
    func bindCopied(_ index: Int32, id: MessageID) {
        id.withUTF8Text { whole in
            let utf8 = Self.beforeNUL(whole)
            guard !utf8.isEmpty else {
                bind(index, "")  // empty text, not NULL
                return
            }
            let bytes = UnsafeRawBufferPointer(utf8)
            if let copy = keep(bytes) {
                _ = sqlite3_bind_text(handle, index, copy.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
            } else {
                _ = sqlite3_bind_text(handle, index, utf8.baseAddress, Int32(utf8.count), Self.transient)
            }
        }
    }

    /// Binds `value` as a blob, copied into the statement's buffer.
    func bindCopied(_ index: Int32, blob value: Data) {
        if value.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
            return
        }
        value.withUnsafeBytes { bytes in
            if let copy = keep(bytes) {
                _ = sqlite3_bind_blob(handle, index, copy, Int32(bytes.count), nil)
            } else {
                _ = sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
            }
        }
    }

    /// `bytes` copied into the buffer, or nil when it has no room left (the caller then lets
    /// SQLite copy them; the next run gets a buffer large enough).
    private func keep(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
        arenaWanted += bytes.count
        guard let arena, let source = bytes.baseAddress, arenaUsed + bytes.count <= arenaCapacity else { return nil }
        let copy = arena + arenaUsed
        copy.copyMemory(from: source, byteCount: bytes.count)
        arenaUsed += bytes.count
        return UnsafeRawPointer(copy)
    }

    // MARK: - Running

    /// Runs one step.
    ///
    /// - Returns: `true` when a row is available, `false` when the statement is done.
    /// - Throws: ``QueueStoreError`` describing the failure.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.failure(code, doing: "running \(sqlText)")
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to its end, ignoring any rows.
    func run() throws {
        while try step() {}
    }

    /// The SQL text, for error messages.
    var sqlText: String {
        guard let text = sqlite3_sql(handle) else { return "a statement" }
        return String(cString: text)
    }

    // MARK: - Reading the current row (0-based columns)

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func int(_ column: Int32) -> Int {
        Int(sqlite3_column_int64(handle, column))
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    /// Whether the text in `column` is exactly `value`, compared without making a String.
    func textEquals(_ column: Int32, _ value: String) -> Bool {
        guard let pointer = sqlite3_column_text(handle, column) else { return false }
        let count = Int(sqlite3_column_bytes(handle, column))
        var value = value
        return value.withUTF8 { utf8 in
            guard utf8.count == count, let base = utf8.baseAddress else { return utf8.count == count }
            return memcmp(base, pointer, count) == 0
        }
    }

    func optionalText(_ column: Int32) -> String? {
        isNull(column) ? nil : text(column)
    }

    func blob(_ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: pointer, count: count)
    }

    /// SQLite copies bound values before the bind call returns.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(Int(-1), to: sqlite3_destructor_type.self)
    }
}
