import Foundation
import Testing
@testable import QueueFunctions

/// Not a timed test: prints throughput only when QF_SQLITE_PROBE is set.
@Suite("SQLite throughput probe")
struct SQLiteThroughputProbe {
    @Test("queue cycle", .enabled(if: ProcessInfo.processInfo.environment["QF_SQLITE_PROBE"] != nil))
    func cycle() async throws {
        let total = Int(ProcessInfo.processInfo.environment["QF_SQLITE_PROBE"] ?? "") ?? 100_000
        // QF_SQLITE_PROBE_ORDERED_IDS=1 sends time-ordered ids instead of random UUIDs.
        let orderedIDs = ProcessInfo.processInfo.environment["QF_SQLITE_PROBE_ORDERED_IDS"] != nil
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"))
            let body = Data(repeating: 0x61, count: 200)
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for producer in 0..<4 {
                    group.addTask {
                        for first in stride(from: producer * 10, to: total, by: 40) {
                            let messages = (first..<first + 10).map { index in
                                orderedIDs
                                    ? OutgoingMessage(body: body, id: MessageID("id-\(1_000_000_000 + index)"))
                                    : OutgoingMessage(body: body)
                            }
                            try await store.send(messages, to: "bench")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let enqueued = ContinuousClock.now
            let commitsAfterSend = store.commitCount
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        var handled = 0
                        while true {
                            let leases = try await store.receive(from: "bench", maxCount: 10, visibilityTimeout: .seconds(30))
                            if leases.isEmpty { return handled }
                            handled += leases.count
                            _ = try await store.settle(leases.map { Settlement($0.token, .ack) })
                        }
                    }
                }
                var handled = 0
                for try await count in group { handled += count }
                #expect(handled == total)
            }
            let drained = ContinuousClock.now
            let send = (enqueued - start).timeInterval
            let drain = (drained - enqueued).timeInterval
            print("SQLITE PROBE total=\(total) orderedIDs=\(orderedIDs) enqueue=\(Int(Double(total) / send))/s drain=\(Int(Double(total) / drain))/s end-to-end=\(Int(Double(total) / (send + drain)))/s commits: send=\(commitsAfterSend) drain=\(store.commitCount - commitsAfterSend)")
            await store.close()
        }
    }
}
