import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// FIFO groups with several consumers on every engine: four workers take batches at once.
@Suite("Store conformance: FIFO with concurrent workers")
struct FIFOWorkersConformanceTests {
    @Test("4 workers, 5 groups × 40 messages, one group failing twice: exact order per group, never two of a group leased",
          arguments: StoreEngine.all)
    func fourWorkersOneFailingGroup(engine: StoreEngine) async throws {
        let clock = ManualClock()
        let store = try await engine.make(clock)
        let recorder = FIFORecorder()
        var messages: [OutgoingMessage] = []
        for seq in 0..<40 {
            for group in 0..<5 {
                messages.append(OutgoingMessage(body: try JSONEncoder().encode(FIFOJob(group: "g\(group)", seq: seq)), groupID: "g\(group)"))
            }
        }
        try await store.send(messages, to: "jobs")
        let failing = FIFOJob(group: "g1", seq: 7)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<4 {
                tasks.addTask {
                    var idleRounds = 0
                    while recorder.succeeded < 200, idleRounds < 2_000 {
                        let leases = try await store.receive(from: "jobs", maxCount: 3, visibilityTimeout: .seconds(60))
                        if leases.isEmpty {
                            idleRounds += 1
                            await Task.yield()
                            continue
                        }
                        for lease in leases {
                            let job = try JSONDecoder().decode(FIFOJob.self, from: lease.message.body)
                            recorder.begin(job, metadataGroup: lease.message.groupID)
                            await Task.yield()
                            if job.group == failing.group, job.seq == failing.seq, lease.message.receiveCount <= 2 {
                                recorder.end(job, succeeded: false)
                                let failure = FailureRecord(attempt: lease.message.receiveCount, at: clock.now(), error: "down")
                                _ = try await store.retry(lease.token, after: .zero, failure: failure)
                            } else {
                                recorder.end(job, succeeded: true)
                                _ = try await store.ack(lease.token)
                            }
                        }
                    }
                }
            }
            try await tasks.waitForAll()
        }
        FIFOFixture.expectExactOrder(recorder, groups: 5, perGroup: 40, failing: failing, failures: 2)
        await store.close()
    }
}
