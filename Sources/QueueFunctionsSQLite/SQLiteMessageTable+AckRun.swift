import QueueFunctions
import Foundation

/// Acking a run of leases with two statements instead of one or two per lease.
///
/// The host settles a whole batch at once, mostly acks. Each SQLite statement run opens
/// a cursor on the table and on every index a DELETE touches (six), so a run is checked
/// with one SELECT by row id and deleted with one DELETE. The statements use
/// `(seq = ? AND …) OR …` terms, which SQLite runs as seeks by row id: a plain
/// `seq IN (…)` list would build a temporary b-tree (a zero-filled 4 KiB page) per run.
extension SQLiteMessageTable {
    /// The most rows one statement of `(seq = ? AND …) OR …` terms takes (acks, leases);
    /// longer runs are split.
    static let runLimit = 32

    /// Acks `tokens`, which carry row ids (``LeaseToken/engineKey``), in order.
    ///
    /// - Returns: Per token, whether its ack applied (`false`: the lease was stale).
    func ackRun(_ tokens: ArraySlice<LeaseToken>, now: Date, wake: inout [String: Int]) throws -> [Bool] {
        var applied: [Bool] = []
        applied.reserveCapacity(tokens.count)
        var start = tokens.startIndex
        while start < tokens.endIndex {
            let end = Swift.min(start + Self.runLimit, tokens.endIndex)
            applied += try ackChunk(tokens[start..<end], now: now, wake: &wake)
            start = end
        }
        return applied
    }

    private func ackChunk(_ tokens: ArraySlice<LeaseToken>, now: Date, wake: inout [String: Int]) throws -> [Bool] {
        // Which tokens are current, and which of those are plain (no group, not dead-lettered).
        let check = try connection.statement("ack-check", count: tokens.count) { count in
            "SELECT seq, group_id IS NULL AND dl_source IS NULL, receipt, id FROM messages WHERE "
                + (0..<count).map { "(seq = ?\(3 * $0 + 1) AND id = ?\(3 * $0 + 2) AND receipt = ?\(3 * $0 + 3) AND state = 2)" }
                .joined(separator: " OR ")
        }
        for (offset, token) in tokens.enumerated() {
            let base = Int32(3 * offset)
            check.bind(base + 1, token.engineKey)
            check.bind(base + 2, token.messageID.rawValue)
            check.bind(base + 3, Int64(bitPattern: token.receipt))
        }
        // Row id → the token of its current lease (same row, receipt and id) and whether the
        // message is plain. Other tokens naming the same row do not match it.
        var current: [Int64: (token: LeaseToken, plain: Bool)] = [:]
        current.reserveCapacity(tokens.count)
        do {
            while try check.step() {
                let seq = check.int64(0)
                let receipt = check.int64(2)
                let token = tokens.first {
                    $0.engineKey == seq && Int64(bitPattern: $0.receipt) == receipt && check.textEquals(3, $0.messageID.rawValue)
                }
                if let token { current[seq] = (token, check.int64(1) != 0) }
            }
        } catch {
            check.reset()
            throw error
        }
        check.reset()

        var applied: [Bool] = []
        applied.reserveCapacity(tokens.count)
        var plain: [Int64] = []
        plain.reserveCapacity(current.count)
        var other: [LeaseToken] = []
        for token in tokens {
            // Only the token of the current lease applies (another token may name the same
            // row), and only once: a repeat finds the row taken off the list.
            guard let row = current[token.engineKey], row.token.receipt == token.receipt,
                row.token.messageID == token.messageID
            else {
                applied.append(false)
                continue
            }
            current[token.engineKey] = nil
            applied.append(true)
            if row.plain { plain.append(token.engineKey) } else { other.append(token) }
        }
        if !plain.isEmpty {
            let delete = try connection.statement("ack-delete", count: plain.count) { count in
                "DELETE FROM messages WHERE " + (1...count).map { "(seq = ?\($0) AND state = 2)" }.joined(separator: " OR ")
            }
            defer { delete.reset() }
            for (offset, seq) in plain.enumerated() { delete.bind(Int32(offset + 1), seq) }
            try delete.run()
            for seq in plain { counts.add(seq >> Self.arrivalBits, inFlight: -1) }
        }
        // Grouped or dead-lettered messages: counts and group release, one by one.
        for token in other where try !ack(token, now: now, wake: &wake) {
            throw QueueStoreError(
                .engine, "message \(token.messageID) of \(connection.path) changed while its ack ran; try again"
            )
        }
        return applied
    }
}
