import QueueFunctions
import Foundation

/// The versioned layout of a SQLite queue store and the migrations between versions.
///
/// The version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the file
/// as a QueueFunctions store. A file from a newer version is refused, never recreated.
///
/// Times come from the store's ``HostClock`` and are kept as integer nanoseconds
/// since 2001-01-01 00:00 UTC (see ``SQLiteTime``).
enum SQLiteSchema {
    /// The schema this build writes.
    static let currentVersion: Int64 = 6

    /// "QFNS" — marks a file as a QueueFunctions store.
    static let applicationID: Int64 = 0x5146_4E53

    /// Each migration takes the schema from `index` to `index + 1`.
    static let migrations: [String] = [
        // 0 → 1: the first layout.
        """
        CREATE TABLE queues (
            id   INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE messages (
            -- Arrival order in the current queue (peek, purge, redrive, oldest); renumbered on a move.
            seq               INTEGER PRIMARY KEY,
            id                TEXT NOT NULL UNIQUE,
            queue_id          INTEGER NOT NULL REFERENCES queues(id),
            -- 0 visible, 1 delayed, 2 in flight.
            state             INTEGER NOT NULL,
            -- Visible: place in the receive order. Delayed or in flight: when it comes due (ns).
            pos               INTEGER NOT NULL,
            body              BLOB NOT NULL,
            sent_at           INTEGER NOT NULL,
            enqueued_at       INTEGER NOT NULL,
            receive_count     INTEGER NOT NULL DEFAULT 0,
            first_received_at INTEGER,
            -- The current delivery's token; only it settles the message.
            receipt           INTEGER NOT NULL DEFAULT 0,
            -- The receive-order place the message had when leased, to return a batch in order.
            lease_pos         INTEGER NOT NULL DEFAULT 0,
            -- JSON array of failure records, NULL when there are none.
            failures          TEXT,
            dl_source         TEXT,
            dl_receive_count  INTEGER,
            dl_reason         TEXT,
            dl_at             INTEGER
        );
        CREATE INDEX messages_by_state ON messages (queue_id, state, pos);
        CREATE INDEX messages_by_queue ON messages (queue_id);
        CREATE INDEX messages_by_dead_letter_source ON messages (dl_source) WHERE dl_source IS NOT NULL;
        """,
        // 1 → 2: `seq` is (queue id << 43) + arrival number, so each queue's messages are one
        // range of the table in arrival order (peek, purge, oldest without an index of their
        // own); `queues` keeps each queue's counts, changed in the same transactions as the
        // messages, so stats do not count rows. The two indexes this makes unneeded go.
        """
        CREATE TABLE messages_v2 (
            -- (queue id << 43) + arrival order in the current queue; renumbered on a move.
            seq               INTEGER PRIMARY KEY,
            id                TEXT NOT NULL UNIQUE,
            queue_id          INTEGER NOT NULL REFERENCES queues(id),
            -- 0 visible, 1 delayed, 2 in flight.
            state             INTEGER NOT NULL,
            -- Visible: place in the receive order. Delayed or in flight: when it comes due (ns).
            pos               INTEGER NOT NULL,
            body              BLOB NOT NULL,
            sent_at           INTEGER NOT NULL,
            enqueued_at       INTEGER NOT NULL,
            receive_count     INTEGER NOT NULL DEFAULT 0,
            first_received_at INTEGER,
            -- The current delivery's token; only it settles the message.
            receipt           INTEGER NOT NULL DEFAULT 0,
            -- The receive-order place the message had when leased, to return a batch in order.
            lease_pos         INTEGER NOT NULL DEFAULT 0,
            -- JSON array of failure records, NULL when there are none.
            failures          TEXT,
            dl_source         TEXT,
            dl_receive_count  INTEGER,
            dl_reason         TEXT,
            dl_at             INTEGER
        );
        INSERT INTO messages_v2
            SELECT (queue_id << 43) + row_number() OVER (PARTITION BY queue_id ORDER BY seq),
                id, queue_id, state, pos, body, sent_at, enqueued_at, receive_count, first_received_at,
                receipt, lease_pos, failures, dl_source, dl_receive_count, dl_reason, dl_at
            FROM messages;
        DROP TABLE messages;
        ALTER TABLE messages_v2 RENAME TO messages;
        CREATE INDEX messages_by_state ON messages (queue_id, state, pos);
        ALTER TABLE queues ADD COLUMN visible INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE queues ADD COLUMN delayed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE queues ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;
        -- Messages that came from this queue and now sit in a dead-letter queue.
        ALTER TABLE queues ADD COLUMN dead_lettered INTEGER NOT NULL DEFAULT 0;
        UPDATE queues SET
            visible = (SELECT count(*) FROM messages WHERE queue_id = queues.id AND state = 0),
            delayed = (SELECT count(*) FROM messages WHERE queue_id = queues.id AND state = 1),
            in_flight = (SELECT count(*) FROM messages WHERE queue_id = queues.id AND state = 2),
            dead_lettered = (SELECT count(*) FROM messages WHERE dl_source = queues.name);
        """,
        // 2 → 3: keys of deduplicated sends (HTTP idempotency keys), shared by every process
        // of the file and kept across restarts; and the hosts serving the file, with a heartbeat.
        """
        CREATE TABLE dedup_keys (
            key        TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            -- When the key may be used again (ns).
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX dedup_keys_by_expiry ON dedup_keys (expires_at);
        CREATE TABLE hosts (
            id        TEXT PRIMARY KEY,
            -- The host's record as JSON (name, pid, address, workers…).
            record    TEXT NOT NULL,
            -- The last heartbeat (ns).
            last_seen INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 3 → 4: delivery options (priority, schedule, FIFO groups, attributes).
        SQLiteSchema.deliveryOptionsStep,
        // 4 → 5: the keys of `context.once(key:)` (SQLiteOnceKeyTable).
        SQLiteOnceKeyTable.migration,
        // 5 → 6: visible rows leave `messages_by_state`.
        SQLiteSchema.stateIndexWithoutVisibleStep,
    ]

    /// 5 → 6 (its own step so that it can be renumbered): `messages_by_state` keeps only rows
    /// that are not visible (delayed, in flight, held), found by state and due time. Visible
    /// rows are found through `messages_by_priority` alone, so a send writes one index entry
    /// fewer and a lease removes one fewer. Queries on the index repeat its condition
    /// (``SQLiteMessageTable/notVisible``). `queues.next_pos` keeps the place behind the
    /// last visible message, which the index no longer finds in one seek.
    static let stateIndexWithoutVisibleStep = """
        -- The next free receive-order place of each queue, behind every visible message.
        ALTER TABLE queues ADD COLUMN next_pos INTEGER NOT NULL DEFAULT 1;
        UPDATE queues SET next_pos = 1 + coalesce(
            (SELECT max(pos) FROM messages WHERE queue_id = queues.id AND state = 0), 0);
        DROP INDEX messages_by_state;
        CREATE INDEX messages_by_state ON messages (queue_id, state, pos) WHERE state <> 0;
        """

    /// 3 → 4 (delivery options, its own step so that it can be renumbered): message
    /// attributes (JSON object, NULL when none), priority 0–9 with a partial index for
    /// the receive order, and the FIFO group with an index to find a group's head.
    /// State 3 is "held": waiting behind an earlier message of its group; `pos` is then
    /// the time it was scheduled for (ns), or 0.
    static let deliveryOptionsStep = """
        ALTER TABLE messages ADD COLUMN attributes TEXT;
        ALTER TABLE messages ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN group_id TEXT;
        CREATE INDEX messages_by_priority ON messages (queue_id, priority DESC, pos) WHERE state = 0;
        CREATE INDEX messages_by_group ON messages (group_id, seq) WHERE group_id IS NOT NULL;
        -- Scheduled rows (delayed, never received), counted by stats from this index alone.
        CREATE INDEX messages_scheduled ON messages (queue_id, state, receive_count) WHERE state = 1 AND receive_count = 0;
        """

    /// Creates or migrates the schema of `connection`'s file, in one transaction.
    ///
    /// - Throws: ``QueueStoreError`` `.newerSchema` for a file from a newer build,
    ///   `.unusableLocation` for a database that belongs to something else.
    static func prepare(_ connection: SQLiteConnection) throws {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try migrate(connection)
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private static func migrate(_ connection: SQLiteConnection) throws {
        let version = try connection.scalarInt("PRAGMA user_version")
        let application = try connection.scalarInt("PRAGMA application_id")
        let path = connection.path
        if application != 0 && application != applicationID {
            throw QueueStoreError(
                .unusableLocation,
                "\(path) is a SQLite database of another application, not a QueueFunctions queue store; "
                    + "choose another path with --store sqlite:PATH"
            )
        }
        if version > currentVersion {
            throw QueueStoreError(
                .newerSchema,
                "the queue store \(path) was written by a newer version of QueueFunctions (schema \(version); "
                    + "this build reads up to \(currentVersion)); upgrade QueueFunctions to open it, "
                    + "or choose another path with --store sqlite:PATH"
            )
        }
        if version == 0 {
            let tables = try connection.scalarInt("SELECT count(*) FROM sqlite_master")
            if tables > 0 {
                throw QueueStoreError(
                    .unusableLocation,
                    "\(path) is a SQLite database that holds other tables, not a QueueFunctions queue store; "
                        + "choose another path with --store sqlite:PATH"
                )
            }
        }
        guard version < currentVersion else { return }
        for step in Int(version)..<Int(currentVersion) {
            try connection.executeScript(migrations[step])
        }
        try connection.executeScript(
            "PRAGMA application_id = \(applicationID); PRAGMA user_version = \(currentVersion);"
        )
    }
}
