import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Autoscaler")
struct ScalingAutoscalerTests {
    @Test("a burst of 1,000 scales 0 → 4 → 8 within the step limit, drains, and scales to zero only after the stabilization window")
    func burstScalesUpAndBackDown() async throws {
        let scale = ScaleConfig(minWorkers: 0, maxWorkers: 8, targetBacklogPerWorker: 10, scaleInterval: .seconds(1),
                                maxScaleUpStep: 4, scaleDownStabilization: .seconds(30))
        let autoscaler = Autoscaler()
        let manifest = ScalingFixture.manifest([ScalingFixture.function("resize", scale: scale)])
        try await VirtualHost.run(manifest: manifest, registry: ScalingFixture.registry(), autoscaler: autoscaler) { virtual in
            let start = virtual.clock.now()
            #expect(virtual.workers("resize") == 0)
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(1_000), to: "resize")
            await virtual.settle()
            // Scale from zero at once, limited by the step.
            #expect(virtual.workers("resize") == 4)
            #expect(virtual.clock.now() == start)
            let first = try #require(autoscaler.lastDecision(for: "resize"))
            #expect(first.reason.contains("scale from zero"))
            #expect(first.reason.contains("step limit +4"))

            await virtual.advance(by: .seconds(1))
            #expect(virtual.workers("resize") == 8)
            #expect(virtual.metrics("resize").desiredWorkers == 8)

            var drainedAt: Date?
            var peak = 0
            for _ in 0..<120 {
                await virtual.run(until: virtual.clock.now().adding(.seconds(1)))
                peak = max(peak, virtual.host.runner(named: "resize")?.workerCount ?? 0)
                if drainedAt == nil, try await virtual.store.stats(for: "resize").total == 0 { drainedAt = virtual.clock.now() }
                if drainedAt != nil && virtual.workers("resize") == 0 { break }
            }
            let drained = try #require(drainedAt)
            #expect(virtual.metrics("resize").succeeded == 1_000)
            #expect(peak == 8)
            // 1,000 messages × 100 ms over 8 workers is 12.5 s of work after the 1 s ramp.
            #expect(drained.timeIntervalSince(start) <= 15)
            #expect(virtual.workers("resize") == 0)

            let decisions = autoscaler.recentDecisions()
            #expect(decisions.allSatisfy { !$0.reason.isEmpty })
            #expect(decisions.allSatisfy { $0.to <= 8 && $0.to - $0.from <= 4 })
            // Every scale-down comes 30 s (the window) after the last decision that wanted as many workers.
            for down in decisions where down.kind == .scaleDown {
                let lastWanting = try #require(decisions.last { $0.time < down.time && $0.desired > down.to })
                #expect(down.time.timeIntervalSince(lastWanting.time) >= 30)
            }
            let finalDown = try #require(decisions.last { $0.kind == .scaleDown })
            #expect(finalDown.to == 0)
            #expect(finalDown.time.timeIntervalSince(drained) >= 29)
            #expect(virtual.host.events.recent(kind: .scaling).count == autoscaler.counts.scaleUps + autoscaler.counts.scaleDowns)
        }
    }

    @Test("with min_workers 0 no worker exists while idle, and the first message starts one at once")
    func scaleFromZero() async throws {
        let autoscaler = Autoscaler()
        let manifest = ScalingFixture.manifest([ScalingFixture.function("mail", scale: ScaleConfig(minWorkers: 0, maxWorkers: 4))])
        try await VirtualHost.run(manifest: manifest, registry: ScalingFixture.registry(), autoscaler: autoscaler) { virtual in
            await virtual.run(until: virtual.clock.now().adding(.seconds(60)))
            #expect(virtual.host.runner(named: "mail")?.workerCount == 0)
            #expect(virtual.metrics("mail").coldStarts == 0)

            let sentAt = virtual.clock.now().addingTimeInterval(0.25)
            await virtual.advance(to: sentAt)
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(1), to: "mail")
            await virtual.settle()
            #expect(virtual.clock.now() == sentAt)
            #expect(virtual.workers("mail") == 1)
            #expect(virtual.metrics("mail").coldStarts == 1)
            #expect(virtual.metrics("mail").invocations == 1)
            #expect(autoscaler.counts.activations == 1)
            await virtual.advance(by: .milliseconds(100))
            #expect(virtual.metrics("mail").succeeded == 1)
        }
    }

    @Test("failing invocations do not raise the worker count; recovery does")
    func failingFunctionHolds() async throws {
        let failing = Switch(true)
        let autoscaler = Autoscaler()
        let scale = ScaleConfig(minWorkers: 1, maxWorkers: 8, targetBacklogPerWorker: 10)
        let manifest = ScalingFixture.manifest([ScalingFixture.function("charge", scale: scale)])
        try await VirtualHost.run(manifest: manifest, registry: ScalingFixture.registry(failing: failing), autoscaler: autoscaler) { virtual in
            #expect(virtual.workers("charge") == 1)
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(200), to: "charge")
            for _ in 0..<10 {
                await virtual.run(until: virtual.clock.now().adding(.seconds(1)))
                #expect(virtual.workers("charge") == 1)
            }
            #expect(virtual.metrics("charge").failedInvocations > 0)
            // Retries back off (1 s, 2 s, 4 s …), so the backlog comes back in waves; each wave is held.
            let held = try #require(autoscaler.recentDecisions().last { $0.heldForFailures })
            #expect(held.heldForFailures)
            #expect(held.desired == 8)
            #expect(held.reason.contains("invocations failed in the last 10s"))
            #expect(autoscaler.counts.failureHolds >= 3)
            #expect(autoscaler.counts.scaleUps == 1)
            #expect(virtual.host.events.recent(kind: .scaling).contains { $0.message.contains("holding at 1") })

            failing.set(false)
            await virtual.run(until: virtual.clock.now().adding(.seconds(12)))
            #expect(virtual.workers("charge") > 1)
        }
    }

    @Test("two functions share a host cap of 8 fairly")
    func hostCapSharedFairly() async throws {
        let autoscaler = Autoscaler()
        let scale = ScaleConfig(minWorkers: 0, maxWorkers: 8, targetBacklogPerWorker: 10)
        let manifest = ScalingFixture.manifest(
            [ScalingFixture.function("thumbnails", scale: scale), ScalingFixture.function("invoices", scale: scale)], hostMaxWorkers: 8
        )
        try await VirtualHost.run(manifest: manifest, registry: ScalingFixture.registry(), autoscaler: autoscaler) { virtual in
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(600), to: "thumbnails")
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(600), to: "invoices")
            await virtual.settle()
            var sawEvenSplit = false
            for _ in 0..<20 {
                await virtual.run(until: virtual.clock.now().adding(.seconds(1)))
                let thumbnails = virtual.workers("thumbnails"), invoices = virtual.workers("invoices")
                #expect(thumbnails + invoices <= 8)
                if thumbnails == 4 && invoices == 4 { sawEvenSplit = true }
            }
            #expect(sawEvenSplit)
            #expect(autoscaler.counts.capped > 0)
            #expect(autoscaler.recentDecisions().contains { $0.reason.contains("host limit of 8 workers") })
        }
    }

    @Test("a small function keeps what it needs and the large one takes the rest of the cap")
    func hostCapWaterFilling() async throws {
        let autoscaler = Autoscaler()
        let scale = ScaleConfig(minWorkers: 0, maxWorkers: 8, targetBacklogPerWorker: 10)
        let manifest = ScalingFixture.manifest(
            [ScalingFixture.function("big", scale: scale), ScalingFixture.function("small", scale: scale)], hostMaxWorkers: 8
        )
        try await VirtualHost.run(
            manifest: manifest, registry: ScalingFixture.registry(perMessage: .seconds(1)), autoscaler: autoscaler
        ) { virtual in
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(2_000), to: "big")
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(20), to: "small")
            await virtual.run(until: virtual.clock.now().adding(.seconds(3)))
            #expect(virtual.workers("small") == 2)
            #expect(virtual.workers("big") == 6)
        }
    }

    @Test("the scaling loop ends when the host stops")
    func loopEndsOnStop() async throws {
        let autoscaler = Autoscaler()
        let manifest = ScalingFixture.manifest([ScalingFixture.function("mail", scale: ScaleConfig(minWorkers: 1, maxWorkers: 2))])
        let host = try TestHost(manifest: manifest, registry: ScalingFixture.registry(), scaling: { await autoscaler.run(host: $0) })
        try await host.send(body: Data("1".utf8), to: "mail")
        try await host.advance(by: .seconds(1))
        // Returns only if the loop ended: the host's run waits for its scaling task.
        await host.shutdown()
        #expect(host.host.isStopping)
    }
}
