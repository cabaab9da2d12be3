import Foundation
import Testing
@testable import QueueFunctions

/// Cancelling the task that runs a host stops it gracefully, and always returns.
@Suite("Host cancellation")
struct HostCancellationTests {
    /// Holds its batch until `release` opens, ignoring cancellation, like a handler stuck in a blocking call.
    struct Stubborn: QueueFunction {
        typealias Message = Job
        let started: Latch
        let release: Latch

        func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
            started.open()
            await release.wait()
        }
    }

    @Test("a handler that ignores cancellation: run() still returns one grace period after the hard stop, and the message is not lost",
          arguments: [false, true])
    func runReturnsDespiteAStuckHandler(byShutdown: Bool) async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let started = Latch()
        let release = Latch()
        var registry = FunctionRegistry()
        registry.register("Stubborn", Stubborn(started: started, release: release))
        let manifest = try loadManifest("""
            {"host": {"shutdown_grace_period": "10s"},
             "queues": [{"name": "jobs", "visibility_timeout": "5m"}],
             "functions": [{"name": "stuck", "handler": "Stubborn", "trigger": {"queue": "jobs", "batch_size": 1},
                            "timeout": "1m", "scale": {"min_workers": 1, "max_workers": 1}}]}
            """, handlers: ["Stubborn"]).manifest
        let host = try FunctionHost(manifest: manifest, registry: registry, store: store, clock: clock, logger: .disabled)
        try await store.send(Data(#"{"number": 1}"#.utf8), to: "jobs")
        let returned = Latch()
        let running = Task {
            await host.run()
            returned.open()
        }
        await started.wait()
        if byShutdown { host.shutdown(gracePeriod: .seconds(10)) } else { running.cancel() }
        // Graceful first: nothing is cancelled before the grace period ends.
        try await eventually("the host to stop receiving") { host.isStopping }
        #expect(!returned.isOpen)
        try await eventually("the grace timer") { clock.nextDeadline == clock.now().adding(.seconds(10)) }
        clock.advance(by: .seconds(10))
        // The hard stop cancels the invocation, which ignores it; one more grace period later run() gives up.
        try await eventually("the abandon timer") { clock.nextDeadline == clock.now().adding(.seconds(10)) }
        #expect(!returned.isOpen)
        clock.advance(by: .seconds(10))
        try await eventually("run() to return") { returned.isOpen }
        let stats = try await store.stats(for: "jobs")
        #expect(stats.visible + stats.delayed + stats.inFlight == 1, "the stuck message is not acked and not lost: \(stats)")
        release.open()
        await running.value
    }
}
