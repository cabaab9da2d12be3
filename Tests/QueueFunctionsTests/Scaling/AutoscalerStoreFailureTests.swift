import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting

@Suite("Autoscaler under store failures")
struct AutoscalerStoreFailureTests {
    /// Waits, bounded in real time, until `condition` holds.
    private func waitUntil(_ condition: () -> Bool) async throws {
        let giveUp = Date().addingTimeInterval(20)
        while !condition(), Date() < giveUp { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test("a queue that cannot be read is read again at the next scale interval, not in a loop")
    func failingStatsDoNotSpin() async throws {
        let clock = ManualClock()
        let memory = MemoryQueueStore(clock: clock)
        let faults = StoreFaults(clock: clock, [.failure(.busy, of: .stats, when: .always)])
        let scale = ScaleConfig(minWorkers: 0, maxWorkers: 4, targetBacklogPerWorker: 10, scaleInterval: .seconds(1))
        let manifest = ScalingFixture.manifest([ScalingFixture.function("resize", scale: scale)])
        let host = try FunctionHost(
            manifest: manifest, registry: ScalingFixture.registry(), store: FaultyStore(wrapping: memory, faults: faults),
            clock: clock, logger: .disabled
        )
        try await memory.send(ScalingFixture.bodies(10).map { OutgoingMessage(body: $0) }, to: "resize")
        let autoscaler = Autoscaler()
        let running = Task { await host.run(scaling: { await autoscaler.run(host: $0) }) }
        // The clock does not move: a loop that retried at once would read thousands of times
        // in the 200 ms watched after the first read (however slow the machine).
        try await waitUntil { faults.counts.failures(of: .stats) >= 1 }
        try await Task.sleep(for: .milliseconds(200))
        let first = faults.counts.failures(of: .stats)
        #expect(first <= 3)
        clock.advance(by: .seconds(1))
        try await waitUntil { faults.counts.failures(of: .stats) > first }
        try await Task.sleep(for: .milliseconds(200))
        let second = faults.counts.failures(of: .stats) - first
        #expect(second <= 3)
        #expect(host.runner(named: "resize")?.workerCount == 0)
        host.stop()
        await running.value
    }
}
