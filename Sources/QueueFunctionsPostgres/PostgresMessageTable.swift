import QueueFunctions
import Foundation

/// The queue operations of a PostgreSQL store, as statements on one pool connection.
///
/// Every method runs inside the transaction the ``PostgresConnectionPool`` opened.
/// Message states mirror ``MemoryQueueStore`` (and the SQLite engine) exactly: delayed
/// messages and lapsed leases turn visible, joining the back of the receive order,
/// when a receive, peek, stats or wait looks at their queue and finds them due.
///
/// "Now" is `qf_now($n)` in every statement: the host's time passed as a parameter
/// (``hostNow``) or, when that is nil, the database's clock.
struct PostgresMessageTable {
    /// `qf_messages.state` values.
    enum State {
        static let visible: Int64 = 0
        static let delayed: Int64 = 1
        static let inFlight: Int64 = 2
    }

    /// The columns a message is read with, in this order, after any leading columns.
    static let messageColumns = """
        m.id, m.body, m.sent_at, m.receive_count, m.first_received_at, m.failures, \
        m.dl_source, m.dl_receive_count, m.dl_reason, m.dl_at, m.attributes, m.priority, m.group_id
        """

    let connection: PostgresConnection
    /// The host's time, or nil to use the database's clock.
    let hostNow: Date?

    /// The parameter for `qf_now(…)`.
    var now: PostgresValue { hostNow.map { .int(PostgresTime.nanos($0)) } ?? .null }

    /// The parameter for "now + `span`" on the host's clock, computed as the memory engine
    /// does (`Date.adding`) so that every engine agrees to the nanosecond; NULL when the
    /// database's clock rules, and the statement adds the span to `qf_now(NULL)` itself.
    func hostTime(after span: Duration) -> PostgresValue {
        hostNow.map { .int(PostgresTime.nanos($0.adding(span))) } ?? .null
    }

    // MARK: - Queues

    /// The row id of queue `name`, or nil when it has never held a message.
    func queueID(_ name: String) throws -> Int64? {
        if let cached = connection.queueIDs[name] { return cached }
        let rows = try connection.execute(
            "SELECT id FROM qf_queues WHERE name = $1", [.text(name)], doing: "looking up queue \(name)"
        )
        guard rows.count > 0, let id = rows.int64(0, 0) else { return nil }
        connection.queueIDs[name] = id
        return id
    }

    /// The row id of queue `name`, adding the queue when it is new.
    func queueIDCreating(_ name: String) throws -> Int64 {
        if let existing = try queueID(name) { return existing }
        try connection.execute(
            "INSERT INTO qf_queues (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [.text(name)],
            doing: "adding queue \(name)"
        )
        guard let id = try queueID(name) else {
            throw QueueStoreError(.engine, "could not add queue \(name) to \(connection.target)")
        }
        return id
    }

    /// Wakes up to `count` waiters of `queue` on every host when the transaction commits.
    func notify(_ queue: String, count: Int) throws {
        try connection.execute(
            "SELECT pg_notify($1, $2)", [.text(PostgresSchema.channel), .text(PostgresWakeUp(queue: queue, count: count).payload)],
            doing: "notifying listeners of \(queue)"
        )
    }

    // MARK: - Sending

    /// Inserts `messages` into `queue`.
    ///
    /// - Returns: How many of them are visible at once.
    /// - Throws: `.invalidArgument` when a message id is already in use, or used twice.
    func send(_ messages: [OutgoingMessage], to queue: String) throws -> Int {
        guard !messages.isEmpty else { return 0 }
        try messages.checkDistinctIDs(queue: queue)
        if let bad = messages.first(where: { $0.id.rawValue.utf8.contains(0) }) {
            throw QueueStoreError(
                .invalidArgument,
                "message id \(bad.id.rawValue.debugDescription) holds a NUL character, which PostgreSQL text cannot store; "
                    + "send it with an id without one"
            )
        }
        let queueID = try queueIDCreating(queue)
        var parameters: [PostgresValue] = [.int(queueID), now]
        var rows: [String] = []
        var visible = 0
        for message in messages {
            let base = parameters.count
            rows.append("($\(base + 1)::text, $\(base + 2)::bytea, $\(base + 3)::int8, $\(base + 4)::int8, "
                + "$\(base + 5)::int8, $\(base + 6)::text, $\(base + 7)::int2, $\(base + 8)::text)")
            let delay = PostgresTime.nanos(message.delay)
            // A hint for the wake-up count only: the database clock decides visibility.
            if let at = message.scheduledAt { if at <= (hostNow ?? Date()) { visible += 1 } } else if delay == 0 { visible += 1 }
            parameters += [
                .text(message.id.rawValue), .bytes(message.body), .int(delay), hostTime(after: message.delay),
                message.scheduledAt.map { .int(PostgresTime.nanos($0)) } ?? .null,
                try StoredAttributesText.encode(message.attributes).map { .text($0) } ?? .null,
                .int(Int64(MessagePriority.clamped(message.priority))),
                message.groupID.map { .text($0) } ?? .null,
            ]
        }
        // Waiters are notified by the same statement, so that a send is one statement
        // (and, outside a caller's transaction, one round trip).
        var notifying = ""
        if visible > 0 {
            notifying = "WITH inserted AS ("
            parameters += [.text(PostgresSchema.channel), .text(PostgresWakeUp(queue: queue, count: visible).payload)]
        }
        let notifyTail = visible > 0
            ? " RETURNING 1) SELECT pg_notify($\(parameters.count - 1), $\(parameters.count))" : ""
        do {
            // `at` (a scheduled time) wins over a delay; either is compared with qf_now, the
            // database's clock unless the store runs on the host's.
            try connection.execute(notifying + """
                INSERT INTO qf_messages (id, queue_id, arrival, state, pos, body, sent_at, enqueued_at, attributes, priority, group_id)
                SELECT v.id, $1, nextval('qf_arrival'), CASE WHEN v.due_at > qf_now($2) THEN 1 ELSE 0 END,
                    CASE WHEN v.due_at > qf_now($2) THEN v.due_at ELSE nextval('qf_order') END,
                    v.body, qf_now($2), qf_now($2), v.attributes, v.priority, v.group_id
                FROM (SELECT *, coalesce(v0.at, CASE WHEN v0.delay > 0 THEN coalesce(v0.due, qf_now($2) + v0.delay) END)
                        AS due_at
                      FROM (VALUES \(rows.joined(separator: ", ")))
                        AS v0 (id, body, delay, due, at, attributes, priority, group_id)) AS v
                """ + notifyTail, parameters, doing: "sending to \(queue)")
        } catch let failure as PostgresFailure where failure.state == "23505" {
            let taken = failure.detail.flatMap(Self.duplicateKey) ?? "of this send"
            throw QueueStoreError(
                .invalidArgument,
                "message id \(taken) is already in use (or given twice in one send); send it with a new id"
            )
        }
        return visible
    }

    /// The key of a unique violation's detail, "Key (id)=(m1) already exists."
    private static func duplicateKey(_ detail: String) -> String? {
        guard let start = detail.range(of: ")=("), let end = detail.range(of: ") already exists") else { return nil }
        return String(detail[start.upperBound..<end.lowerBound])
    }

    // MARK: - Timed transitions

    /// Makes the delayed messages and lapsed leases of `queue` that are due now visible,
    /// at the back of the receive order, earliest due first. Rows another transaction
    /// holds are skipped: that transaction is settling or promoting them.
    func promoteDue(_ queue: Int64) throws {
        try connection.execute(Self.promoteDueSQL, [.int(queue), now], doing: "making due messages visible")
    }

    /// Promotes what is due, as ``promoteDue(_:)``, and answers in the same round trip
    /// whether `queue` holds messages of FIFO groups (which the receive must pick among).
    func promoteDueAndCheckGroups(_ queue: Int64) throws -> Bool {
        try connection.execute("""
            WITH promoted AS (\(Self.promoteDueSQL) RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM qf_messages WHERE queue_id = $1 AND group_id IS NOT NULL)
            """, [.int(queue), now], doing: "making due messages visible").bool(0, 0)
    }

    static let promoteDueSQL = """
        UPDATE qf_messages AS m SET state = 0, pos = due.new_pos
        FROM (SELECT id, nextval('qf_order') AS new_pos FROM (
                SELECT id FROM qf_messages
                WHERE queue_id = $1 AND state IN (1, 2) AND pos <= qf_now($2)
                ORDER BY pos, arrival FOR UPDATE SKIP LOCKED) AS ordered) AS due
        WHERE m.id = due.id
        """

    // MARK: - Receiving

    /// Leases up to `maxCount` visible messages of `queue`, oldest first, in one statement.
    func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) throws -> [Lease] {
        guard maxCount > 0, let queueID = try queueID(queue) else { return [] }
        // A queue without FIFO groups takes the first unlocked visible rows, so receivers
        // on other connections skip each other's rows instead of all contending for the
        // same first few; a queue with groups picks among its groups' heads.
        let grouped = try promoteDueAndCheckGroups(queueID)
        return try lease(queueID: queueID, queue: queue, grouped: grouped, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
    }

    /// Leases up to `maxCount` visible messages of `queue` (row id `queueID`), best first,
    /// after the due ones were promoted; `grouped` when the queue holds FIFO groups.
    func lease(queueID: Int64, queue: String, grouped: Bool, maxCount: Int, visibilityTimeout: Duration) throws -> [Lease] {
        let statement = leaseStatement(
            queueID: queueID, queue: queue, form: grouped ? .grouped : .plain, maxCount: maxCount, visibilityTimeout: visibilityTimeout
        )
        return try leases(connection.execute(statement.sql, statement.parameters, doing: statement.doing), queue: queue)
    }

    /// Which candidates a lease statement picks among.
    enum LeaseForm {
        /// The first unlocked visible rows: a queue without FIFO groups.
        case plain
        /// Among the groups' heads and the ungrouped messages.
        case grouped
        /// As `plain` or `grouped`, but only when an earlier statement of the same
        /// transaction set `qf.grouped` to false or true (``groupedSetting``): a pipelined
        /// step sends both, and exactly the one that fits leases.
        case when(grouped: Bool)
    }

    /// The transaction-local setting through which a pipelined step's first statement tells
    /// its lease statements whether the queue holds FIFO groups.
    static let groupedSetting = "qf.grouped"

    /// The statement that leases up to `maxCount` visible messages of `queue` (row id
    /// `queueID`); read its rows with ``leases(_:queue:)``.
    func leaseStatement(
        queueID: Int64, queue: String, form: LeaseForm, maxCount: Int, visibilityTimeout: Duration
    ) -> PostgresStatement {
        var grouped = false
        var gate = ""
        switch form {
        case .plain: break
        case .grouped: grouped = true
        case .when(let expected):
            grouped = expected
            // A constant for the planner: the statement that does not fit stops before any scan.
            gate = " AND current_setting('\(Self.groupedSetting)', true) = '\(expected)'"
        }
        let candidates = grouped
            ? "id IN (\(Self.receivableCandidates(queue: "$3", limit: "$4"))) AND state = 0"
            : "queue_id = $3 AND state = 0 AND group_id IS NULL"
        return PostgresStatement("""
            UPDATE qf_messages AS m SET state = 2, lease_pos = m.pos, pos = coalesce($5, qf_now($1) + $2),
                receive_count = m.receive_count + 1, first_received_at = coalesce(m.first_received_at, qf_now($1)),
                receipt = nextval('qf_receipts')
            WHERE m.id IN (SELECT id FROM qf_messages WHERE \(candidates)\(gate)
                           ORDER BY priority DESC, pos LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING m.lease_pos, m.receipt, m.pos, \(Self.messageColumns)
            """, [now, .int(PostgresTime.nanos(visibilityTimeout)), .int(queueID), .int(Int64(maxCount)),
                  hostTime(after: visibilityTimeout)],
            doing: "receiving from \(queue)")
    }

    /// The leases in the rows of a ``leaseStatement(queueID:queue:form:maxCount:visibilityTimeout:)``, best first.
    func leases(_ rows: PostgresResult, queue: String) throws -> [Lease] {
        var leased: [(order: Int64, lease: Lease)] = []
        leased.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            let message = try readMessage(rows, row: row, from: 3, queue: queue)
            let expiry = PostgresTime.date(rows.int64(row, 2) ?? 0)
            let token = LeaseToken(messageID: message.id, receipt: UInt64(bitPattern: rows.int64(row, 1) ?? 0))
            var received = ReceivedMessage(
                id: message.id, queue: queue, body: message.body, sentAt: message.sentAt,
                receiveCount: message.receiveCount, firstReceivedAt: message.firstReceivedAt ?? message.sentAt,
                failures: message.failures, deadLetter: message.deadLetter, attributes: message.attributes
            )
            received.priority = message.priority
            received.groupID = message.groupID
            leased.append((rows.int64(row, 0) ?? 0, Lease(message: received, token: token, expiresAt: expiry)))
        }
        // Best first, as chosen: higher priority, then receive order.
        leased.sort { ($1.lease.message.priority, $0.order) < ($0.lease.message.priority, $1.order) }
        return leased.map(\.lease)
    }

    /// Reads the ``messageColumns`` of `row`, starting at column `first`.
    /// The state is left visible; callers that know better replace it.
    func readMessage(_ rows: PostgresResult, row: Int, from first: Int, queue: String) throws -> StoredMessage {
        let id = rows.text(row, first) ?? ""
        var deadLetter: DeadLetterInfo?
        if let source = rows.text(row, first + 6) {
            deadLetter = DeadLetterInfo(
                sourceQueue: source,
                receiveCount: rows.int(row, first + 7),
                reason: rows.text(row, first + 8) ?? "",
                at: PostgresTime.date(rows.int64(row, first + 9) ?? 0)
            )
        }
        var message = StoredMessage(
            id: MessageID(id), queue: queue, body: rows.bytes(row, first + 1),
            sentAt: PostgresTime.date(rows.int64(row, first + 2) ?? 0),
            receiveCount: rows.int(row, first + 3),
            firstReceivedAt: rows.int64(row, first + 4).map(PostgresTime.date),
            failures: try StoredFailureText.decode(rows.text(row, first + 5), messageID: id, location: "\(connection.target)"),
            deadLetter: deadLetter, state: .visible,
            attributes: try StoredAttributesText.decode(rows.text(row, first + 10), messageID: id, location: "\(connection.target)")
        )
        message.priority = rows.int(row, first + 11)
        message.groupID = rows.text(row, first + 12)
        return message
    }
}
