import QueueFunctions
import Foundation

/// The versioned layout of a PostgreSQL queue store and the migrations between versions.
///
/// Every object's name starts with `qf_`, so the store can share a database (and its
/// `public` schema) with an application. The version lives in `qf_schema_version`; a
/// database written by a newer build is refused, never changed.
///
/// Times are integer nanoseconds since 2001-01-01 00:00 UTC, as in the SQLite engine.
/// `qf_now(host_now)` is the store's "now": the host's time when the store was opened
/// with ``PostgresQueueStore/TimeSource/clock(_:)``, else the database's clock (the
/// transaction's start), so hosts with skewed clocks agree on visibility and leases.
enum PostgresSchema {
    /// The schema this build writes.
    static let currentVersion = 6

    /// The advisory lock that serializes migrations of hosts starting together ("QFNS").
    static let migrationLock: Int64 = 0x5146_4E53

    /// The advisory locks that guard folding a queue's count rows: this, or'd with the queue's id.
    static let countLockBase: Int64 = 0x5146_4E53 << 32

    /// The channel that `NOTIFY` wakes listeners on; the payload is the queue name.
    static let channel = "queuefunctions"

    /// Each migration takes the schema from `index` to `index + 1`.
    static let migrations: [String] = [
        // 0 → 1: the first layout.
        """
        CREATE TABLE qf_queues (
            id   int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE
        );
        -- Arrival order (peek, purge, redrive, oldest); a move to another queue takes a new one.
        CREATE SEQUENCE qf_arrival;
        -- Receive order of visible messages: sends and due messages join the back.
        CREATE SEQUENCE qf_order;
        -- Abandoned messages go in front: their place is minus the next value of this.
        CREATE SEQUENCE qf_front;
        -- Lease tokens.
        CREATE SEQUENCE qf_receipts;
        CREATE TABLE qf_messages (
            id                text PRIMARY KEY,
            queue_id          int8 NOT NULL REFERENCES qf_queues (id),
            arrival           int8 NOT NULL,
            -- 0 visible, 1 delayed, 2 in flight.
            state             int2 NOT NULL,
            -- Visible: place in the receive order. Delayed or in flight: when it comes due (ns).
            pos               int8 NOT NULL,
            body              bytea NOT NULL,
            sent_at           int8 NOT NULL,
            enqueued_at       int8 NOT NULL,
            receive_count     int4 NOT NULL DEFAULT 0,
            first_received_at int8,
            -- The current delivery's token; only it settles the message.
            receipt           int8 NOT NULL DEFAULT 0,
            -- The receive-order place the message had when leased, to return a batch in order.
            lease_pos         int8 NOT NULL DEFAULT 0,
            -- JSON array of failure records, NULL when there are none.
            failures          text,
            dl_source         text,
            dl_receive_count  int4,
            dl_reason         text,
            dl_at             int8
        );
        CREATE INDEX qf_messages_by_state ON qf_messages (queue_id, state, pos);
        CREATE INDEX qf_messages_by_arrival ON qf_messages (queue_id, arrival);
        -- Count changes, one row per statement that moved messages, summed by stats and
        -- folded into one row per queue when stats runs: counting never scans a backlog,
        -- and writers never wait on a shared counter row.
        CREATE TABLE qf_queue_counts (
            queue_id      int8 NOT NULL,
            visible       int8 NOT NULL,
            delayed       int8 NOT NULL,
            in_flight     int8 NOT NULL,
            dead_lettered int8 NOT NULL
        );
        CREATE INDEX qf_queue_counts_by_queue ON qf_queue_counts (queue_id);
        CREATE FUNCTION qf_now(host_now int8) RETURNS int8 LANGUAGE sql STABLE AS $$
            SELECT coalesce(host_now, ((extract(epoch FROM now()) - 978307200) * 1000000000)::int8)
        $$;
        CREATE FUNCTION qf_count_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO qf_queue_counts
                SELECT queue_id, sum(v), sum(d), sum(f), sum(dl) FROM (
                    SELECT queue_id, (state = 0)::int AS v, (state = 1)::int AS d, (state = 2)::int AS f, 0 AS dl
                    FROM qf_new
                    UNION ALL
                    SELECT q.id, 0, 0, 0, 1 FROM qf_new JOIN qf_queues q ON q.name = qf_new.dl_source
                ) AS c GROUP BY queue_id;
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO qf_queue_counts
                SELECT queue_id, sum(v), sum(d), sum(f), sum(dl) FROM (
                    SELECT queue_id, -(state = 0)::int AS v, -(state = 1)::int AS d, -(state = 2)::int AS f, 0 AS dl
                    FROM qf_old
                    UNION ALL
                    SELECT q.id, 0, 0, 0, -1 FROM qf_old JOIN qf_queues q ON q.name = qf_old.dl_source
                ) AS c GROUP BY queue_id;
            ELSE
                INSERT INTO qf_queue_counts
                SELECT queue_id, sum(v), sum(d), sum(f), sum(dl) FROM (
                    SELECT queue_id, (state = 0)::int AS v, (state = 1)::int AS d, (state = 2)::int AS f, 0 AS dl
                    FROM qf_new
                    UNION ALL
                    SELECT q.id, 0, 0, 0, 1 FROM qf_new JOIN qf_queues q ON q.name = qf_new.dl_source
                    UNION ALL
                    SELECT queue_id, -(state = 0)::int, -(state = 1)::int, -(state = 2)::int, 0 FROM qf_old
                    UNION ALL
                    SELECT q.id, 0, 0, 0, -1 FROM qf_old JOIN qf_queues q ON q.name = qf_old.dl_source
                ) AS c GROUP BY queue_id
                HAVING sum(v) <> 0 OR sum(d) <> 0 OR sum(f) <> 0 OR sum(dl) <> 0;
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER qf_count_inserts AFTER INSERT ON qf_messages
            REFERENCING NEW TABLE AS qf_new FOR EACH STATEMENT EXECUTE FUNCTION qf_count_changes();
        CREATE TRIGGER qf_count_deletes AFTER DELETE ON qf_messages
            REFERENCING OLD TABLE AS qf_old FOR EACH STATEMENT EXECUTE FUNCTION qf_count_changes();
        CREATE TRIGGER qf_count_updates AFTER UPDATE ON qf_messages
            REFERENCING OLD TABLE AS qf_old NEW TABLE AS qf_new FOR EACH STATEMENT EXECUTE FUNCTION qf_count_changes();
        """,
        // 1 → 2: keys of deduplicated sends (HTTP idempotency keys), shared by every host;
        // and the hosts serving the database, with a heartbeat.
        """
        CREATE TABLE qf_dedup_keys (
            key        text PRIMARY KEY,
            message_id text NOT NULL,
            -- When the key may be used again (ns).
            expires_at int8 NOT NULL
        );
        CREATE INDEX qf_dedup_keys_by_expiry ON qf_dedup_keys (expires_at);
        CREATE TABLE qf_hosts (
            id        text PRIMARY KEY,
            -- The host's record as JSON (machine, pid, address, workers…).
            record    text NOT NULL,
            -- The last heartbeat (ns).
            last_seen int8 NOT NULL
        );
        """,
        // 2 → 3: delivery options (priority, schedule, FIFO groups, attributes).
        PostgresSchema.deliveryOptionsStep,
        // 3 → 4: the keys of `context.once(key:)` (PostgresMessageTable+OnceKeys).
        PostgresMessageTable.onceKeysMigration,
        // 4 → 5: dependency permits and rate tokens shared by every host (PostgresMessageTable+DependencyLimits).
        PostgresMessageTable.dependencyLimitsMigration,
        // 5 → 6: sends no longer check each message's queue against qf_queues (its own step, to renumber freely).
        PostgresSchema.dropQueueForeignKeyStep,
    ]

    /// 5 → 6: drops the foreign key from `qf_messages.queue_id` to `qf_queues`. Its check ran
    /// a query and took a lock on the queue's row for every message sent (about a third of
    /// a 100-message send's time on the server), and protected nothing: queue rows are never
    /// deleted, and the store only writes ids it read from `qf_queues` (forgetting them when a
    /// transaction that might have added one rolls back).
    static let dropQueueForeignKeyStep = """
        ALTER TABLE qf_messages DROP CONSTRAINT IF EXISTS qf_messages_queue_id_fkey;
        """

    /// 2 → 3 (delivery options, its own step so that it can be renumbered): message
    /// attributes (JSON object, NULL when none), priority 0–9 with a partial index for the
    /// receive order of ungrouped messages, and the FIFO group with an index that finds
    /// each group's first message (its head) by arrival.
    static let deliveryOptionsStep = """
        ALTER TABLE qf_messages ADD COLUMN attributes text;
        ALTER TABLE qf_messages ADD COLUMN priority int2 NOT NULL DEFAULT 0;
        ALTER TABLE qf_messages ADD COLUMN group_id text;
        CREATE INDEX qf_messages_by_priority ON qf_messages (queue_id, priority DESC, pos)
            WHERE state = 0 AND group_id IS NULL;
        CREATE INDEX qf_messages_by_group ON qf_messages (queue_id, group_id, arrival) WHERE group_id IS NOT NULL;
        -- Scheduled messages (delayed, never received), counted by stats from this index alone.
        CREATE INDEX qf_messages_scheduled ON qf_messages (queue_id) WHERE state = 1 AND receive_count = 0;
        """

    /// Creates or migrates the schema on `connection`, inside the caller's transaction,
    /// holding an advisory lock so that hosts starting together migrate once.
    ///
    /// - Throws: ``QueueStoreError`` `.newerSchema` for a database from a newer build;
    ///   `.unusableLocation` when the user may not create tables.
    static func prepare(_ connection: PostgresConnection) throws {
        let target = connection.target
        try connection.execute(
            "SELECT pg_advisory_xact_lock($1)", [.int(migrationLock)], doing: "waiting for other hosts' schema migration"
        )
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS qf_schema_version (version int4 NOT NULL)", doing: "creating the schema-version table"
        )
        let version = try connection.execute(
            "SELECT coalesce(max(version), 0) FROM qf_schema_version", doing: "reading the schema version"
        ).int(0, 0)
        if version > currentVersion {
            throw QueueStoreError(
                .newerSchema,
                "the queue store in the PostgreSQL database at \(target) was written by a newer version of "
                    + "QueueFunctions (schema \(version); this build reads up to \(currentVersion)); upgrade "
                    + "QueueFunctions to open it, or point --store at another database"
            )
        }
        guard version < currentVersion else { return }
        for step in version..<currentVersion {
            try connection.executeScript(migrations[step], doing: "migrating the schema to version \(step + 1)")
        }
        try connection.execute("DELETE FROM qf_schema_version", doing: "recording the schema version")
        try connection.execute(
            "INSERT INTO qf_schema_version (version) VALUES ($1)", [.int(Int64(currentVersion))],
            doing: "recording the schema version"
        )
    }
}
