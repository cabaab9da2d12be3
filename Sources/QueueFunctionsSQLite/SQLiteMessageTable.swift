import QueueFunctions
import Foundation

/// The queue operations of a SQLite store, as statements on the store thread's connection.
///
/// Every method runs inside the transaction the ``SQLiteWorker`` opened. Message
/// states mirror ``MemoryQueueStore`` exactly: delayed messages and lapsed leases
/// turn visible (joining the back of the receive order) when a receive, peek, stats
/// or wait looks at their queue and finds them due.
struct SQLiteMessageTable {
    /// `messages.state` values.
    enum State {
        static let visible: Int64 = 0
        static let delayed: Int64 = 1
        static let inFlight: Int64 = 2
        /// Waiting behind an earlier message of its FIFO group; `pos` is its scheduled time or 0.
        static let held: Int64 = 3
    }

    /// The columns a message is read with, in this order, after any leading columns.
    static let messageColumns = """
        id, body, sent_at, receive_count, first_received_at, failures, \
        dl_source, dl_receive_count, dl_reason, dl_at, attributes, priority, group_id
        """

    let connection: SQLiteConnection
    /// The count changes of the current job, written by ``run(_:_:)``.
    let counts = SQLiteQueueCounts()

    // MARK: - Queues

    /// The row id of queue `name`, or nil when it has never held a message.
    func queueID(_ name: String) throws -> Int64? {
        if let cached = connection.queueIDs[name] { return cached }
        let select = try connection.statement("SELECT id FROM queues WHERE name = ?1")
        defer { select.reset() }
        select.bind(1, name)
        guard try select.step() else { return nil }
        let id = select.int64(0)
        connection.queueIDs[name] = id
        return id
    }

    /// The row id of queue `name`, adding the queue when it is new.
    func queueIDCreating(_ name: String) throws -> Int64 {
        if let existing = try queueID(name) { return existing }
        let insert = try connection.statement("INSERT INTO queues (name) VALUES (?1) RETURNING id")
        defer { insert.reset() }
        insert.bind(1, name)
        guard try insert.step() else {
            throw QueueStoreError(.engine, "could not add queue \(name) to \(connection.path)")
        }
        let id = insert.int64(0)
        guard id < Self.queueLimit else {
            throw QueueStoreError(
                .engine, "\(connection.path) already holds \(Self.queueLimit - 1) queue names; use another store file"
            )
        }
        connection.queueIDs[name] = id
        return id
    }

    /// Changes the count of messages that came from the queue named `source` and now
    /// sit in a dead-letter queue.
    func addDeadLettered(source: String, _ count: Int) throws {
        counts.add(try queueIDCreating(source), deadLettered: count)
    }

    /// Takes `count` receive-order places behind every visible message of `queue` and
    /// returns the first. The next free place is kept in `queues.next_pos`: read once per
    /// job, advanced here, and written with the job's count changes.
    func backPosition(_ queue: Int64, reserving count: Int = 1) throws -> Int64 {
        let first: Int64
        if let cached = counts.nextPosition(queue) {
            first = cached
        } else {
            let select = try connection.statement(.nextPosition, "SELECT next_pos FROM queues WHERE id = ?1")
            defer { select.reset() }
            select.bind(1, queue)
            first = try select.step() ? select.int64(0) : 1
        }
        counts.setNextPosition(queue, first + Int64(count))
        return first
    }

    /// The receive-order place just in front of the first visible message of `queue`.
    func frontPosition(_ queue: Int64) throws -> Int64 {
        let select = try connection.statement(
            "SELECT coalesce(min(p), 1) FROM (SELECT (SELECT min(pos) FROM messages WHERE queue_id = ?1 AND state = 0 "
                + "AND priority = v.column1) AS p FROM (\(Self.priorityValues)) AS v)"
        )
        defer { select.reset() }
        select.bind(1, queue)
        return try select.step() ? select.int64(0) - 1 : 0
    }

    /// Every stored priority as a `VALUES` list, to seek each in `messages_by_priority`.
    static let priorityValues = "VALUES " + MessagePriority.range.map { "(\($0))" }.joined(separator: ", ")

    /// The condition of the partial index `messages_by_state` (rows that are not visible):
    /// a query on it must contain this very term, or SQLite does not use the index.
    static let notVisible = "state <> 0"

    // MARK: - Sending

    /// Inserts `messages` into `queue`, up to ``runLimit`` rows per INSERT statement (each
    /// statement run opens a cursor on the table and every index, and a statement journal).
    ///
    /// With `rollingBackOnConflict`, the INSERT is `INSERT OR ROLLBACK`: a message id in use
    /// rolls back the whole transaction, and SQLite keeps no statement journal for it (a
    /// copy of every page the statement touches). Only for a transaction that holds nothing
    /// but this pass (``SQLiteWorker/runSendsOnly(_:on:finishes:)``).
    ///
    /// - Returns: How many of them are visible at once.
    /// - Throws: `.invalidArgument` when a message id is already in use.
    func send(
        _ messages: [OutgoingMessage], to queue: String, now: Date, rollingBackOnConflict: Bool = false
    ) throws -> Int {
        guard !messages.isEmpty else { return 0 }
        let queueID = try queueIDCreating(queue)
        let nowNanos = SQLiteTime.nanos(now)
        var next = try backPosition(queueID, reserving: messages.count)
        var seq = try nextSeq(queueID, name: queue, reserving: messages.count)
        var visible = 0
        var delayed = 0
        // Groups of this call already given a message: its later ones are held behind it.
        var groupsSent: Set<String> = []
        var start = messages.startIndex
        while start < messages.endIndex {
            let chunk = messages[start..<Swift.min(start + Self.runLimit, messages.endIndex)]
            let kind = rollingBackOnConflict ? "insert or rollback" : "insert"
            let insert = try connection.statement(kind, count: chunk.count, bindingAll: true) { count in
                (rollingBackOnConflict ? "INSERT OR ROLLBACK" : "INSERT")
                    + " INTO messages (seq, id, queue_id, state, pos, body, sent_at, enqueued_at, attributes, priority, group_id) "
                    + "VALUES " + (0..<count).map { row in
                        let p = (0..<8).map { "?\(3 + 8 * row + $0)" }
                        return "(\(p[0]), \(p[1]), ?1, \(p[2]), \(p[3]), \(p[4]), ?2, ?2, \(p[5]), \(p[6]), \(p[7]))"
                    }.joined(separator: ", ")
            }
            insert.startCopies()
            insert.bind(1, queueID)
            insert.bind(2, nowNanos)
            for (offset, message) in chunk.enumerated() {
                let first = Int32(3 + 8 * offset)
                let visibleAt = message.visibleAt(sentAt: now)
                var held = false
                if let group = message.groupID {
                    held = try groupsSent.contains(group) || groupHasMembers(group, in: queueID)
                    groupsSent.insert(group)
                }
                insert.bind(first, seq)
                seq += 1
                insert.bindCopied(first + 1, id: message.id)
                if held {
                    insert.bind(first + 2, State.held)
                    insert.bind(first + 3, visibleAt > now ? SQLiteTime.nanos(visibleAt) : 0)
                } else if visibleAt > now {
                    insert.bind(first + 2, State.delayed)
                    insert.bind(first + 3, SQLiteTime.nanos(visibleAt))
                    delayed += 1
                } else {
                    insert.bind(first + 2, State.visible)
                    insert.bind(first + 3, next)
                    next += 1
                    visible += 1
                }
                insert.bindCopied(first + 4, blob: message.body)
                insert.bind(first + 5, try StoredAttributesText.encode(message.attributes))
                insert.bind(first + 6, Int64(MessagePriority.clamped(message.priority)))
                insert.bind(first + 7, message.groupID)
            }
            do {
                try insert.run()
            } catch {
                insert.reset()
                // Checked here, not before every send: the id index rejects a repeat anyway.
                try messages.checkDistinctIDs(queue: queue)
                for message in chunk where try exists(message.id) {
                    throw QueueStoreError(
                        .invalidArgument, "message id \(message.id) is already in use; send it with a new id"
                    )
                }
                throw error
            }
            insert.rewind()
            start = chunk.endIndex
        }
        counts.add(queueID, visible: visible, delayed: delayed)
        return visible
    }

    private func exists(_ id: MessageID) throws -> Bool {
        let select = try connection.statement("SELECT 1 FROM messages WHERE id = ?1")
        defer { select.reset() }
        select.bind(1, id)
        return try select.step()
    }

    // MARK: - Timed transitions

    /// Makes the delayed messages and lapsed leases of `queue` that are due at `now`
    /// visible, at the back of the receive order, earliest due first.
    func promoteDue(_ queue: Int64, now: Date) throws {
        let nowNanos = SQLiteTime.nanos(now)
        let probe = try connection.statement(
            "SELECT 1 FROM messages WHERE queue_id = ?1 AND state IN (1, 2) AND \(Self.notVisible) AND pos <= ?2 LIMIT 1"
        )
        probe.bind(1, queue)
        probe.bind(2, nowNanos)
        let anyDue = try probe.step()
        probe.reset()
        guard anyDue else { return }
        var dueCount = 0
        let due = try connection.statement(
            "SELECT state, count(*) FROM messages WHERE queue_id = ?1 AND state IN (1, 2) AND \(Self.notVisible) "
                + "AND pos <= ?2 GROUP BY state"
        )
        due.bind(1, queue)
        due.bind(2, nowNanos)
        while try due.step() {
            counts.add(queue, state: due.int64(0), count: -due.int(1))
            counts.add(queue, visible: due.int(1))
            dueCount += due.int(1)
        }
        due.reset()
        let base = try backPosition(queue, reserving: dueCount) - 1
        let promote = try connection.statement("""
            UPDATE messages SET state = 0, pos = ?3 + due.rank
            FROM (SELECT seq AS due_seq, row_number() OVER (ORDER BY pos, seq) AS rank
                  FROM messages WHERE queue_id = ?1 AND state IN (1, 2) AND \(Self.notVisible) AND pos <= ?2) AS due
            WHERE messages.seq = due.due_seq
            """)
        defer { promote.reset() }
        promote.bind(1, queue)
        promote.bind(2, nowNanos)
        promote.bind(3, base)
        try promote.run()
    }

    /// Reads the ``messageColumns`` of the current row of `statement`, starting at `first`.
    /// The state is left visible; callers that know better replace it.
    func readMessage(_ statement: SQLiteStatement, from first: Int32, queue: String) throws -> StoredMessage {
        let id = statement.text(first)
        var deadLetter: DeadLetterInfo?
        if let source = statement.optionalText(first + 6) {
            deadLetter = DeadLetterInfo(
                sourceQueue: source,
                receiveCount: Int(statement.optionalInt64(first + 7) ?? 0),
                reason: statement.optionalText(first + 8) ?? "",
                at: SQLiteTime.date(statement.optionalInt64(first + 9) ?? 0)
            )
        }
        var message = StoredMessage(
            id: MessageID(id), queue: queue, body: statement.blob(first + 1),
            sentAt: SQLiteTime.date(statement.int64(first + 2)),
            receiveCount: statement.int(first + 3),
            firstReceivedAt: statement.optionalInt64(first + 4).map(SQLiteTime.date),
            failures: try StoredFailureText.decode(statement.optionalText(first + 5), messageID: id, location: connection.path),
            deadLetter: deadLetter, state: .visible,
            attributes: try StoredAttributesText.decode(statement.optionalText(first + 10), messageID: id, location: connection.path)
        )
        message.priority = statement.int(first + 11)
        message.groupID = statement.optionalText(first + 12)
        return message
    }
}
