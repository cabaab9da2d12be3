import QueueFunctions
import CLibPQ
import Foundation

/// A value bound to a statement parameter.
package enum PostgresValue {
    /// SQL NULL.
    case null
    /// An `int8`.
    case int(Int64)
    /// A `bool`.
    case bool(Bool)
    /// Text.
    case text(String)
    /// A `bytea`, sent in binary.
    case bytes(Data)
}

/// One open libpq connection, with errors that name the server without its password.
///
/// Not thread-safe by design: a connection is opened, used and closed on the one thread
/// that owns it (a thread of a ``PostgresConnectionPool`` or the ``PostgresListener``),
/// so no two calls overlap and no blocking libpq call runs on Swift's cooperative pool.
package final class PostgresConnection {
    /// The server.
    package let target: PostgresTarget
    /// The libpq connection; nil once closed.
    private(set) var handle: OpaquePointer?
    /// Queue name → row id of `qf_queues`. Rows are never deleted, so an entry stays right
    /// unless the transaction that created it rolls back; the pool clears it on rollback.
    var queueIDs: [String: Int64] = [:]

    /// Connects to `target` (blocking).
    ///
    /// - Parameter applicationName: What `pg_stat_activity` shows for this connection.
    /// - Throws: ``QueueStoreError`` from ``PostgresErrorText/connectFailure(_:target:)``.
    package init(target: PostgresTarget, applicationName: String = "queuefunctions", connectTimeout: Int = 5) throws {
        self.target = target
        // Keywords before `dbname` are defaults: the URL's own settings win over them.
        // TCP keepalives and a user timeout notice a server that vanished without closing
        // the connection (a host powered off, a network cut) within about 30 seconds.
        let keywords = [
            "application_name", "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
            "tcp_user_timeout", "dbname",
        ]
        let values = [applicationName, "\(max(1, connectTimeout))", "10", "5", "3", "30000", target.url]
        let connection: OpaquePointer? = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        handle = connection
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            close()
            throw PostgresErrorText.connectFailure(message, target: target)
        }
        backendPID = PQbackendPID(connection)
        // Quiet notices (for example "relation already exists, skipping").
        _ = try? execute("SET client_min_messages = warning", doing: "configuring the connection")
    }

    deinit {
        close()
    }

    /// Whether the connection is open and usable.
    package var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server process serving this connection, as `NOTIFY` reports it.
    private(set) var backendPID: Int32 = 0

    /// The socket, for the listener's `poll()`; -1 when closed.
    var socket: Int32 {
        guard let handle else { return -1 }
        return PQsocket(handle)
    }

    /// Closes the connection. Later calls fail with `.unavailable`.
    package func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// Runs `sql` with `parameters` ($1, $2, …) and returns its rows.
    ///
    /// - Parameter doing: What the store was doing, for an error message.
    /// - Throws: ``QueueStoreError`` classified by ``PostgresErrorText``.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [PostgresValue] = [], doing: String) throws -> PostgresResult {
        guard let handle else {
            throw QueueStoreError(
                .unavailable, "the connection to the PostgreSQL server at \(target) is closed; it reconnects on the next call"
            )
        }
        let key = PreparedKey(sql: sql, types: parameters.map(\.typeOID))
        var name = preparedNames[key]
        if name == nil, !parameters.isEmpty, preparedNames.count < Self.preparedLimit {
            // Parse and plan once per connection: the hot statements run thousands of times.
            let prepared = nextPreparedName()
            _ = try check(
                key.types.withUnsafeBufferPointer { PQprepare(handle, prepared, sql, Int32(parameters.count), $0.baseAddress) },
                doing: doing
            )
            preparedNames[key] = prepared
            name = prepared
        }
        let result: OpaquePointer? = withParameters(parameters) { types, values, lengths, formats in
            if let name {
                PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
            } else {
                PQexecParams(handle, sql, Int32(parameters.count), types, values, lengths, formats, 0)
            }
        }
        return try check(result, doing: doing)
    }

    /// A statement and its parameter types: one prepared statement per pair, since a NULL
    /// parameter is sent untyped and the server infers another type for it.
    struct PreparedKey: Hashable {
        var sql: String
        var types: [Oid]
    }

    /// The statements prepared on this connection (`qf_0`, `qf_1`, …). Prepared statements
    /// outlive transactions, rolled back or not, and end with the connection.
    var preparedNames: [PreparedKey: String] = [:]

    /// A statement name never used on this connection (names are never reused, so a
    /// pipeline that forgets one whose Parse may have run cannot collide with it later).
    func nextPreparedName() -> String {
        preparedNumber += 1
        return "qf_\(preparedNumber)"
    }

    private var preparedNumber = 0

    /// At most this many statements are prepared per connection; others are parsed each time
    /// (sends of every batch size would otherwise grow the server's memory without bound).
    static let preparedLimit = 200

    /// Runs `script`, which may hold several statements and no parameters.
    package func executeScript(_ script: String, doing: String) throws {
        guard let handle else {
            throw QueueStoreError(.unavailable, "the connection to the PostgreSQL server at \(target) is closed")
        }
        _ = try check(PQexec(handle, script), doing: doing)
    }

    func check(_ result: OpaquePointer?, doing: String) throws -> PostgresResult {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, let result {
            return PostgresResult(result)
        }
        var state: String?
        var message = handle.map { String(cString: PQerrorMessage($0)) } ?? "no connection"
        var detail: String?
        if let result {
            if let field = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) { state = String(cString: field) }
            if let field = PQresultErrorField(result, Int32(UInt8(ascii: "M"))) { message = String(cString: field) }
            if let field = PQresultErrorField(result, Int32(UInt8(ascii: "D"))) { detail = String(cString: field) }
            PQclear(result)
        }
        let lost = !isOpen
        throw PostgresFailure(
            state: state, detail: detail,
            error: PostgresErrorText.statementFailure(
                state: state, message: message, detail: detail, connectionLost: lost, doing: doing, target: target
            )
        )
    }

    // MARK: - Notifications

    /// Reads what the server sent without blocking and returns the notifications received.
    ///
    /// - Throws: `.unavailable` when the connection broke.
    func consumeNotifications() throws -> [(channel: String, payload: String, sender: Int32)] {
        guard let handle, PQconsumeInput(handle) == 1 else {
            let message = handle.map { String(cString: PQerrorMessage($0)) } ?? "closed"
            throw QueueStoreError(.unavailable, "the listening connection to \(target) broke (\(PostgresErrorText.clean(message)))")
        }
        var notifications: [(String, String, Int32)] = []
        while let notify = PQnotifies(handle) {
            let channel = String(cString: notify.pointee.relname)
            let payload = String(cString: notify.pointee.extra)
            let sender = notify.pointee.be_pid
            PQfreemem(notify)
            notifications.append((channel, payload, sender))
        }
        return notifications
    }

    // MARK: - C strings

    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        pointers.append(nil)
        return pointers.withUnsafeBufferPointer { buffer in body(buffer.baseAddress) }
    }

    func withParameters<R>(
        _ parameters: [PostgresValue],
        _ body: (UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        var types: [Oid] = []
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for parameter in parameters {
            switch parameter {
            case .null:
                types.append(0)
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
            case .int(let value):
                types.append(20)
                buffers.append(strdup(String(value)))
                lengths.append(0)
                formats.append(0)
            case .bool(let value):
                types.append(16)
                buffers.append(strdup(value ? "t" : "f"))
                lengths.append(0)
                formats.append(0)
            case .text(let value):
                types.append(25)
                buffers.append(strdup(value))
                lengths.append(0)
                formats.append(0)
            case .bytes(let data):
                types.append(17)
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, data.count))
                data.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(buffer, base, data.count) }
                }
                buffers.append(buffer)
                lengths.append(Int32(clamping: data.count))
                formats.append(1)
            }
        }
        defer {
            for (index, buffer) in buffers.enumerated() {
                guard let buffer else { continue }
                if case .bytes = parameters[index] { buffer.deallocate() } else { free(buffer) }
            }
        }
        let values: [UnsafePointer<CChar>?] = buffers.map { $0.map { UnsafePointer($0) } }
        return types.withUnsafeBufferPointer { typePointer in
            values.withUnsafeBufferPointer { valuePointer in
                lengths.withUnsafeBufferPointer { lengthPointer in
                    formats.withUnsafeBufferPointer { formatPointer in
                        body(typePointer.baseAddress, valuePointer.baseAddress, lengthPointer.baseAddress, formatPointer.baseAddress)
                    }
                }
            }
        }
    }
}

/// A failed statement: the store error, with the SQLSTATE for callers that handle some
/// states themselves (a duplicate message id).
package struct PostgresFailure: Error, CustomStringConvertible {
    /// The SQLSTATE, when the server sent one.
    package var state: String?
    /// The server's DETAIL line.
    package var detail: String?
    /// The classified error.
    package var error: QueueStoreError

    package var description: String { error.description }
}

extension PostgresValue {
    /// The parameter's type as libpq sends it: 0 (inferred by the server) for NULL.
    var typeOID: Oid {
        switch self {
        case .null: 0
        case .int: 20
        case .bool: 16
        case .text: 25
        case .bytes: 17
        }
    }
}
