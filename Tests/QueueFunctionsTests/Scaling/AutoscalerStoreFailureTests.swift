import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting

@Suite("Autoscaler under store failures")
struct AutoscalerStoreFailureTests {
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
        // The clock does not move: a loop that retried at once would read thousands of times.
        try await Task.sleep(for: .milliseconds(300))
        let first = faults.counts.failures(of: .stats)
        #expect(first >= 1)
        #expect(first <= 3)
        clock.advance(by: .seconds(1))
        try await Task.sleep(for: .milliseconds(300))
        let second = faults.counts.failures(of: .stats) - first
        #expect(second >= 1)
        #expect(second <= 3)
        #expect(host.runner(named: "resize")?.workerCount == 0)
        host.stop()
        await running.value
    }
}
