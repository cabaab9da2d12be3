import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSimulator

/// Hosts that share a store split each function's desired workers between them.
@Suite("Scaling across hosts")
struct HostShareScalingTests {
    private func otherHost(_ id: String, at time: Date) -> HostRecord {
        HostRecord(id: id, machine: "other", pid: 1, address: nil, startedAt: time, lastSeen: time, functions: [:])
    }

    @Test("with two other live hosts in the registry, this host runs a third of the desired workers and says why")
    func hostRunsItsShare() async throws {
        let scale = ScaleConfig(minWorkers: 0, maxWorkers: 30, targetBacklogPerWorker: 10, scaleInterval: .seconds(1),
                                maxScaleUpStep: 30, scaleDownStabilization: .seconds(30))
        let autoscaler = Autoscaler()
        let manifest = ScalingFixture.manifest([ScalingFixture.function("render", scale: scale)])
        try await VirtualHost.run(manifest: manifest, registry: ScalingFixture.registry(), autoscaler: autoscaler) { virtual in
            let registry = try #require(virtual.host.store as? any HostRegistry)
            for id in ["b", "c"] { try await registry.heartbeat(otherHost(id, at: virtual.clock.now())) }
            try await virtual.host.queues.send(bodies: ScalingFixture.bodies(1_000), to: "render")
            await virtual.settle()
            #expect(virtual.workers("render") == 10, "30 desired across 3 hosts")
            let decision = try #require(autoscaler.lastDecision(for: "render"))
            #expect(decision.desired == 30 && decision.to == 10)
            #expect(decision.reason.contains("share of 30 desired workers across 3 live hosts is 10"), "\(decision.reason)")
            // The other hosts fall silent: after the live window this host takes the whole desire.
            await virtual.advance(by: HostHeartbeat.liveWindow + .seconds(2))
            #expect(virtual.workers("render") == 30)
        }
    }

    @Test("the share rounds up and never goes below min_workers")
    func shareArithmetic() {
        let proposal = ScalingDecision(function: "f", time: Date(), from: 0, to: 7, desired: 7, reason: "backlog")
        #expect(Autoscaler.hostShare(of: proposal, hosts: 3, minimum: 0).to == 3)
        #expect(Autoscaler.hostShare(of: proposal, hosts: 3, minimum: 5).to == 5)
        #expect(Autoscaler.hostShare(of: proposal, hosts: 1, minimum: 0).to == 7)
        let holding = ScalingDecision(function: "f", time: Date(), from: 6, to: 7, desired: 7, reason: "backlog")
        #expect(Autoscaler.hostShare(of: holding, hosts: 3, minimum: 0).to == 6, "a share below the current count holds, it does not cut")
    }
}
