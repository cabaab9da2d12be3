import Foundation

/// The operator's calls on the memory engine's state: purge, redrive and cancel.
extension MemoryStoreState {
    /// Deletes every message of queue `number`; returns how many.
    mutating func purge(_ number: Int32) -> Int {
        var slots: [Int32] = []
        queues[Int(number)].forEachArrival(table) { slots.append($0); return true }
        for slot in slots {
            if let info = table.extras(slot)?.deadLetter {
                deadLetteredBySource[info.sourceQueue, default: 1] -= 1
            }
            table.remove(slot)
        }
        queues[Int(number)] = MemoryQueue(name: queues[Int(number)].name)
        return slots.count
    }

    /// Moves up to `limit` dead-lettered messages of `deadLetterQueue` back to their source (or `destination`).
    mutating func redrive(from deadLetterQueue: String, to destination: String?, limit: Int, now: Date, wake: inout [String: Int]) -> Int {
        guard let number = queueNumber(deadLetterQueue) else { return 0 }
        var candidates: [Int32] = []
        queues[Int(number)].forEachArrival(table) { slot in
            guard candidates.count < limit else { return false }
            if table[slot].phase == .inFlight { return true }
            if destination != nil || table.extras(slot)?.deadLetter != nil { candidates.append(slot) }
            return true
        }
        for slot in candidates {
            unplace(slot)
            let info = table.extras(slot)?.deadLetter
            let target = destination ?? info?.sourceQueue ?? deadLetterQueue
            if let info {
                deadLetteredBySource[info.sourceQueue, default: 1] -= 1
                table.extras(slot)?.deadLetter = nil
            }
            table[slot].receiveCount = 0
            table[slot].firstReceivedAt = .nan
            releaseGroup(of: slot, now: now, wake: &wake)
            move(slot, to: target, now: now)
            wake[target, default: 0] += 1
        }
        return candidates.count
    }

    /// Deletes message `id` of `queue` unless it is in flight.
    mutating func cancel(_ id: MessageID, on queue: String, now: Date, wake: inout [String: Int]) -> CancelResult {
        guard let slot = table.slot(of: id), queues[Int(table[slot].queue)].name == queue else { return .notFound }
        if table[slot].phase == .inFlight { return .inFlight }
        unplace(slot)
        releaseGroup(of: slot, now: now, wake: &wake)
        removeRecord(slot)
        return .cancelled
    }
}
