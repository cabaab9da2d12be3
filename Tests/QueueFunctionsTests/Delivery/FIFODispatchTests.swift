import Foundation
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// FIFO queues through the real dispatcher: many workers, one group failing.
@Suite("Delivery options: FIFO through the dispatcher", .serialized)
struct FIFODispatchTests {
    @Test("10 groups × 1,000 messages through 8 workers: exact order per group, no group ever run concurrently")
    func tenGroupsEightWorkers() async throws {
        let recorder = FIFORecorder()
        let failing = FIFOJob(group: "g3", seq: 500)
        let function = FIFOFunction(recorder: recorder, failing: failing, failures: 2)
        let host = try TestHost(manifest: FIFOFixture.manifest(workers: 8), registry: FIFOFixture.registry(function), logLevel: .warning)
        try await FIFOFixture.send(groups: 10, perGroup: 1_000, to: host.store)
        #expect(try await eventually(.seconds(120)) { recorder.succeeded == 10_000 })
        await host.shutdown()
        FIFOFixture.expectExactOrder(recorder, groups: 10, perGroup: 1_000, failing: failing, failures: 2)
        #expect(try await host.stats("orders").total == 0)
    }

    @Test("with 4 workers and a group whose message fails until dead-lettered, the other groups go on and that group resumes after it")
    func failingGroupBlocksOnlyItself() async throws {
        let recorder = FIFORecorder()
        let failing = FIFOJob(group: "g0", seq: 2)
        // maxReceiveCount 10: it fails every time and is dead-lettered on its tenth receive.
        let function = FIFOFunction(recorder: recorder, failing: failing, failures: .max)
        let host = try TestHost(manifest: FIFOFixture.manifest(workers: 4), registry: FIFOFixture.registry(function), logLevel: .warning)
        try await FIFOFixture.send(groups: 4, perGroup: 50, to: host.store)
        // A generous real-time limit: on a loaded machine the whole test suite shares two cores.
        try await host.settle(limit: .seconds(120))
        #expect(recorder.overlaps == 0)
        #expect(recorder.succeeded == 4 * 50 - 1)
        #expect(recorder.attempts(of: "g0") == [0, 1] + Array(repeating: 2, count: 10) + Array(3..<50))
        for group in 1..<4 { #expect(recorder.attempts(of: "g\(group)") == Array(0..<50)) }
        let dead = try await host.deadLetters(of: "orders")
        #expect(dead.map(\.groupID) == ["g0"])
        await host.shutdown()
    }
}
