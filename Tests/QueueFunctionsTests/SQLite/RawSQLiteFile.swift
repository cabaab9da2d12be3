import CSQLite
import Foundation
import Testing

/// A store file read and written behind the engine's back with the raw C API: how the
/// migration tests make a file of an older schema and look at what an upgrade left.
enum RawSQLiteFile {
    /// Runs `sql` on the file at `path`.
    static func execute(_ path: String, _ sql: String) throws {
        var handle: OpaquePointer?
        defer { sqlite3_close(handle) }
        try #require(sqlite3_open(path, &handle) == SQLITE_OK)
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        try #require(code == SQLITE_OK, "\(String(cString: sqlite3_errmsg(handle)))")
    }

    /// The first column of the first row of `sql` on `path`, as an integer.
    static func scalar(_ path: String, _ sql: String) throws -> Int64 {
        try firstColumn(path, sql) { sqlite3_column_int64($0, 0) }
    }

    /// The first column of the first row of `sql` on `path`, as text.
    static func text(_ path: String, _ sql: String) throws -> String {
        try firstColumn(path, sql) { statement in
            String(cString: try #require(sqlite3_column_text(statement, 0)))
        }
    }

    private static func firstColumn<Value>(_ path: String, _ sql: String, _ read: (OpaquePointer?) throws -> Value) throws -> Value {
        var handle: OpaquePointer?
        defer { sqlite3_close(handle) }
        try #require(sqlite3_open(path, &handle) == SQLITE_OK)
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        try #require(sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK)
        try #require(sqlite3_step(statement) == SQLITE_ROW)
        return try read(statement)
    }
}
