import QueueFunctions
import Foundation

/// The changes one job makes to the per-queue counts in the `queues` table.
///
/// Operations add to it as they move messages between states; ``write(to:)``
/// applies the sum with one `UPDATE` per queue inside the job's transaction, so the
/// counts commit or roll back together with the messages. ``SQLiteQueueStore/stats(for:)``
/// then reads four columns instead of counting a backlog.
final class SQLiteQueueCounts {
    /// How much each count of one queue changes.
    struct Delta {
        var visible = 0
        var delayed = 0
        var inFlight = 0
        var deadLettered = 0
    }

    private var deltas: [Int64: Delta] = [:]
    /// Each queue's next free receive-order place (`queues.next_pos`) once read in this job,
    /// and whether it moved since the last write.
    private var nextPositions: [Int64: (next: Int64, moved: Bool)] = [:]

    /// The next free receive-order place of `queue`, when this job has read it.
    func nextPosition(_ queue: Int64) -> Int64? {
        nextPositions[queue]?.next
    }

    /// Moves the next free receive-order place of `queue` to `next`.
    func setNextPosition(_ queue: Int64, _ next: Int64) {
        nextPositions[queue] = (next, true)
    }

    /// Adds to the counts of the queue with row id `queue`.
    func add(_ queue: Int64, visible: Int = 0, delayed: Int = 0, inFlight: Int = 0, deadLettered: Int = 0) {
        deltas[queue, default: Delta()].visible += visible
        deltas[queue, default: Delta()].delayed += delayed
        deltas[queue, default: Delta()].inFlight += inFlight
        deltas[queue, default: Delta()].deadLettered += deadLettered
    }

    /// Adds `count` messages of `state` (a ``SQLiteMessageTable/State`` value) to `queue`.
    func add(_ queue: Int64, state: Int64, count: Int) {
        switch state {
        case SQLiteMessageTable.State.visible: add(queue, visible: count)
        case SQLiteMessageTable.State.delayed: add(queue, delayed: count)
        case SQLiteMessageTable.State.inFlight: add(queue, inFlight: count)
        default: break  // held messages (FIFO) are counted by query, not here
        }
    }

    /// Applies the changes added so far and forgets them.
    func write(to connection: SQLiteConnection) throws {
        for (queue, position) in nextPositions where position.moved && deltas[queue] == nil {
            deltas[queue] = Delta()
        }
        guard !deltas.isEmpty else { return }
        let update = try connection.statement(.updateCounts, """
            UPDATE queues SET visible = visible + ?2, delayed = delayed + ?3, in_flight = in_flight + ?4,
                dead_lettered = dead_lettered + ?5, next_pos = max(next_pos, ?6)
            WHERE id = ?1
            """)
        defer { update.reset() }
        for (queue, delta) in deltas {
            let position = nextPositions[queue]
            let moved = position?.moved ?? false
            guard delta.visible != 0 || delta.delayed != 0 || delta.inFlight != 0 || delta.deadLettered != 0 || moved
            else { continue }
            update.reset()
            update.bind(1, queue)
            update.bind(2, delta.visible)
            update.bind(3, delta.delayed)
            update.bind(4, delta.inFlight)
            update.bind(5, delta.deadLettered)
            update.bind(6, moved ? position?.next ?? 0 : 0)
            try update.run()
            if let position { nextPositions[queue] = (position.next, false) }
        }
        deltas.removeAll(keepingCapacity: true)
    }
}

extension SQLiteMessageTable {
    /// Runs `body` with a table on `connection`, then writes the count changes it made.
    static func run<T>(_ connection: SQLiteConnection, _ body: (SQLiteMessageTable) throws -> T) throws -> T {
        let table = SQLiteMessageTable(connection: connection)
        let result = try body(table)
        try table.counts.write(to: connection)
        return result
    }

    // MARK: - Sequence numbers

    /// Bits of `seq` that number a queue's messages; the queue's row id sits above them.
    static let arrivalBits: Int64 = 43
    /// The largest arrival number, and the mask of those bits.
    static let arrivalMask: Int64 = (1 << arrivalBits) - 1
    /// Queue row ids must stay below this so that `seq` fits in 63 bits.
    static let queueLimit: Int64 = 1 << (63 - arrivalBits)

    /// The `seq` range that holds the messages of `queue`.
    static func seqRange(_ queue: Int64) -> (low: Int64, high: Int64) {
        let low = queue << arrivalBits
        return (low, low + arrivalMask)
    }

    /// The `seq` just after the newest message of `queue`.
    ///
    /// - Throws: `.engine` when the queue has used up its arrival numbers (2^43 messages
    ///   sent without the newest one ever being consumed).
    func nextSeq(_ queue: Int64, name: String, reserving count: Int = 1) throws -> Int64 {
        let range = Self.seqRange(queue)
        let select = try connection.statement(
            .nextSeq, "SELECT seq FROM messages WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq DESC LIMIT 1"
        )
        defer { select.reset() }
        select.bind(1, range.low)
        select.bind(2, range.high)
        let last = try select.step() ? select.int64(0) : range.low
        guard range.high - last >= Int64(count) else {
            throw QueueStoreError(
                .engine,
                "queue \(name) in \(connection.path) has numbered 2^43 messages since it was last empty; "
                    + "let it drain (or purge it) so that its numbering starts again"
            )
        }
        return last + 1
    }

    /// The stored counts of the queue with row id `queue`.
    func storedCounts(_ queue: Int64) throws -> Delta {
        let select = try connection.statement(
            "SELECT visible, delayed, in_flight, dead_lettered FROM queues WHERE id = ?1"
        )
        defer { select.reset() }
        select.bind(1, queue)
        guard try select.step() else { return Delta() }
        return Delta(visible: select.int(0), delayed: select.int(1), inFlight: select.int(2), deadLettered: select.int(3))
    }

    /// Count changes, as stored in `queues`.
    typealias Delta = SQLiteQueueCounts.Delta
}
