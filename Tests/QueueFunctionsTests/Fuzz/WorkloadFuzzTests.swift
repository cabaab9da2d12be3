import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSimulator

/// Seeded fuzzing of the workload loader: structured mutations of a full workload and
/// byte-level mutations of its text.
@Suite("Fuzz: workload loader")
struct WorkloadFuzzTests {
    static let sample = """
    {"name": "fuzz", "seed": 42, "tick": "1ms",
     "handler": {"duration": {"distribution": "normal", "mean": "80ms", "stddev": "30ms", "min": "5ms"}},
     "function": {"batch_size": 10, "timeout": "5s", "max_receive_count": 5, "min_workers": 0, "max_workers": 16,
                  "target_backlog_per_worker": 20, "scale_interval": "1s", "max_scale_up_step": 4,
                  "scale_down_stabilization": "30s", "host_max_workers": 32},
     "phases": [{"type": "burst", "at": "0s", "count": 1000}, {"type": "steady", "from": "0s", "to": "60s", "rate": 50},
                {"type": "ramp", "from": "60s", "to": "90s", "rate_from": 50, "rate_to": 200},
                {"type": "outage", "from": "20s", "to": "30s"}]}
    """

    /// Parses `data`: a workload within the limits, or an error listing at least one problem.
    static func parse(_ data: Data) -> Bool {
        do {
            let workload = try Workload.parse(data, source: "fuzz.json")
            #expect(workload.messageCount <= WorkloadLimits.messages)
            return true
        } catch let error as WorkloadError {
            #expect(!error.problems.isEmpty && error.problems.allSatisfy { !$0.isEmpty })
            return false
        } catch {
            Issue.record("unexpected error \(error)")
            return false
        }
    }

    @Test("structured and byte-level mutations load within the limits or list their problems")
    func mutations() async throws {
        let tree = FuzzJSON(try JSONSerialization.jsonObject(with: Data(Self.sample.utf8)))
        #expect(Self.parse(Data(tree.text.utf8)))
        var random = SplitMix64(seed: Fuzz.seed &+ 50)
        var loaded = 0, refused = 0
        let count = 4_000
        for round in 0..<count {
            if round % 10 == 0 { await Task.yield() }
            let data: Data
            if round % 2 == 0 {
                var current: FuzzJSON? = tree
                for _ in 0..<(1 + random.below(2)) {
                    guard let base = current else { break }
                    let target = random.pick(base.positions().filter { $0.key != nil })
                    current = base.replacing(at: target.steps[...]) { _ in
                        random.chance(10) ? nil : .raw(random.pick(Fuzz.nastyJSONValues))
                    } ?? base
                }
                data = Data((current?.text ?? "").utf8)
            } else {
                data = Data(Fuzz.mutateBytes(Array(Self.sample.utf8), &random))
            }
            if Self.parse(data) { loaded += 1 } else { refused += 1 }
        }
        print("fuzz workload loader: \(count) inputs, \(loaded) loaded, \(refused) refused with problems")
        #expect(refused > count / 2)
    }
}
