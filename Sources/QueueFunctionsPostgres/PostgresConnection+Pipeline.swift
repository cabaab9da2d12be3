import QueueFunctions
import CLibPQ
import Foundation

/// A statement to run in a pipeline: its SQL, its parameters ($1, $2, …) and what the
/// store was doing, for an error message.
package struct PostgresStatement {
    /// The SQL, one statement.
    package var sql: String
    /// The values of `$1`, `$2`, ….
    package var parameters: [PostgresValue]
    /// What the store was doing, for an error message.
    package var doing: String

    package init(_ sql: String, _ parameters: [PostgresValue] = [], doing: String) {
        self.sql = sql
        self.parameters = parameters
        self.doing = doing
    }
}

extension PostgresConnection {
    /// Runs `statements` in one flight (libpq's pipeline mode): all of them are sent, then
    /// one sync, then every result is read. One round trip instead of one per statement.
    ///
    /// Outside a transaction the statements up to the sync form one implicit transaction,
    /// which commits at the sync: the pipeline is atomic. When a statement fails, the
    /// server skips the rest, rolls the implicit transaction back and answers the sync;
    /// the connection leaves pipeline mode, clean, and the first error is thrown. A
    /// connection that breaks mid-flight is closed (the pool opens a new one on the next
    /// call), and the server rolls back what it had not committed.
    ///
    /// Statements are prepared (in the same flight) the first time they run, as with
    /// ``execute(_:_:doing:)``.
    ///
    /// - Returns: One result per statement, in order.
    /// - Throws: ``QueueStoreError`` (in a ``PostgresFailure``) classified by ``PostgresErrorText``.
    package func pipeline(_ statements: [PostgresStatement]) throws -> [PostgresResult] {
        guard let handle else {
            throw QueueStoreError(
                .unavailable, "the connection to the PostgreSQL server at \(target) is closed; it reconnects on the next call"
            )
        }
        guard !statements.isEmpty else { return [] }
        guard PQenterPipelineMode(handle) == 1 else { throw brokenPipeline("entering pipeline mode", doing: statements[0].doing) }
        var flight: [PipelineItem] = []
        flight.reserveCapacity(statements.count * 2)
        var preparing: [PreparedKey: String] = [:]
        for (index, statement) in statements.enumerated() {
            let key = PreparedKey(sql: statement.sql, types: statement.parameters.map(\.typeOID))
            var name = preparedNames[key] ?? preparing[key]
            if name == nil, !statement.parameters.isEmpty, preparedNames.count + preparing.count < Self.preparedLimit {
                let prepared = nextPreparedName()
                let sent = key.types.withUnsafeBufferPointer {
                    PQsendPrepare(handle, prepared, statement.sql, Int32(statement.parameters.count), $0.baseAddress)
                }
                guard sent == 1 else { throw brokenPipeline("sending a statement", doing: statement.doing) }
                preparing[key] = prepared
                flight.append(.prepare(key, prepared, doing: statement.doing))
                name = prepared
            }
            let sent: Int32 = withParameters(statement.parameters) { types, values, lengths, formats in
                if let name {
                    PQsendQueryPrepared(handle, name, Int32(statement.parameters.count), values, lengths, formats, 0)
                } else {
                    PQsendQueryParams(handle, statement.sql, Int32(statement.parameters.count), types, values, lengths, formats, 0)
                }
            }
            guard sent == 1 else { throw brokenPipeline("sending a statement", doing: statement.doing) }
            flight.append(.statement(index))
        }
        guard PQpipelineSync(handle) == 1 else { throw brokenPipeline("sending the pipeline", doing: statements[0].doing) }
        return try readPipeline(handle, flight, statements)
    }

    /// What was sent in a pipeline, in order: a statement's Parse or its Execute.
    private enum PipelineItem {
        case prepare(PreparedKey, String, doing: String)
        case statement(Int)
    }

    /// Reads every result of `flight` and the sync's, then leaves pipeline mode.
    private func readPipeline(
        _ handle: OpaquePointer, _ flight: [PipelineItem], _ statements: [PostgresStatement]
    ) throws -> [PostgresResult] {
        var results: [PostgresResult?] = Array(repeating: nil, count: statements.count)
        var failure: (any Error)?
        var lastDoing = statements[0].doing
        for item in flight {
            let doing: String
            switch item {
            case .prepare(_, _, let what): doing = what
            case .statement(let index): doing = statements[index].doing
            }
            lastDoing = doing
            // Each item's results end with a NULL; a broken connection ends them early.
            while let result = PQgetResult(handle) {
                let status = PQresultStatus(result)
                let succeeded = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                if succeeded {
                    switch item {
                    case .prepare(let key, let name, _):
                        preparedNames[key] = name
                        PQclear(result)
                    case .statement(let index):
                        results[index] = PostgresResult(result)
                    }
                } else if status == PGRES_PIPELINE_ABORTED || failure != nil {
                    // Skipped after an earlier error: that error is the one to report.
                    PQclear(result)
                } else {
                    do { _ = try check(result, doing: doing) } catch { failure = error }
                }
            }
            guard isOpen else { break }
        }
        guard isOpen, awaitSync(handle), PQexitPipelineMode(handle) == 1 else {
            let broken = brokenPipeline("reading the pipeline's results", doing: lastDoing)
            throw failure ?? broken
        }
        if let failure { throw failure }
        let complete = results.compactMap { $0 }
        guard complete.count == statements.count else {
            throw QueueStoreError(.engine, "the PostgreSQL server at \(target) answered \(complete.count) of "
                + "\(statements.count) statements while \(lastDoing); the step was rolled back, try again")
        }
        return complete
    }

    /// Reads up to the sync's result; false when it does not come (the connection broke).
    private func awaitSync(_ handle: OpaquePointer) -> Bool {
        var empty = 0
        while isOpen {
            guard let result = PQgetResult(handle) else {
                empty += 1
                if empty > 2 { return false }
                continue
            }
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { return true }
        }
        return false
    }

    /// Closes a connection whose pipeline cannot be finished and says so, retryable: the
    /// server rolls back whatever the flight had not committed (a sync it had already
    /// answered may have committed, as with any commit whose answer is lost).
    private func brokenPipeline(_ step: String, doing: String) -> QueueStoreError {
        let message = handle.map { PostgresErrorText.clean(String(cString: PQerrorMessage($0))) } ?? "closed"
        close()
        return QueueStoreError(
            .unavailable,
            "the connection to the PostgreSQL server at \(target) broke while \(doing) (\(step): \(message)); "
                + "the server rolls back what it had not committed; the store reconnects on the next call"
        )
    }
}
