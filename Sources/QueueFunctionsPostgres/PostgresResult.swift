import QueueFunctions
import CLibPQ
import Foundation

/// The rows of one statement, in libpq's text format, freed when the value goes away.
///
/// Read on the thread that ran the statement; never shared.
package final class PostgresResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    /// How many rows came back.
    package var count: Int { Int(PQntuples(handle)) }

    /// How many rows the statement changed (INSERT, UPDATE, DELETE).
    package var changed: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// Whether the value at `row`, `column` is NULL.
    package func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The text at `row`, `column`, or nil for NULL.
    package func text(_ row: Int, _ column: Int) -> String? {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        return String(cString: value)
    }

    /// The integer at `row`, `column`, or nil for NULL.
    package func int64(_ row: Int, _ column: Int) -> Int64? {
        text(row, column).flatMap { Int64($0) }
    }

    /// The integer at `row`, `column`, or 0 for NULL.
    package func int(_ row: Int, _ column: Int) -> Int {
        Int(int64(row, column) ?? 0)
    }

    /// The boolean at `row`, `column` (`t` is true).
    package func bool(_ row: Int, _ column: Int) -> Bool {
        text(row, column) == "t"
    }

    /// The `bytea` at `row`, `column` (hex text format), or empty for NULL.
    package func bytes(_ row: Int, _ column: Int) -> Data {
        guard !isNull(row, column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return Data() }
        var length = 0
        guard let decoded = value.withMemoryRebound(to: UInt8.self, capacity: 1, { PQunescapeBytea($0, &length) }) else {
            return Data()
        }
        defer { PQfreemem(decoded) }
        return Data(bytes: decoded, count: length)
    }
}
