@testable import QueueFunctions

extension FunctionRunner {
    /// What the runner's workers and receiver lanes are doing, for a test that has to say
    /// why a host did not stop.
    var stateDescription: String {
        state.withLock { state in
            let workers = state.workers.sorted { $0.key < $1.key }.map { id, slot in
                "worker \(id) (\(slot.retiring ? "retiring" : "active"), \(slot.idle ? "idle" : "busy"), wait \(slot.wait == nil ? "none" : "set"))"
            }
            let lanes = state.handOff.lanes.enumerated().map { index, lane in
                let wait = lane.wait == nil ? "none" : (lane.waitIsInterruptible ? "interruptible" : lane.waitEndsAtStop ? "backoff" : "backoff holding settlements")
                return "lane \(index) (running \(lane.running), parked \(lane.parked != nil), wait \(wait), kicked \(lane.kicked))"
            }
            return "stopping \(state.stopping); \(workers.joined(separator: ", ")); \(lanes.joined(separator: ", ")); "
                + "ready \(state.handOff.ready.count), parked \(state.handOff.parked.count), finished \(state.handOff.finished.count), requested \(state.handOff.requested)"
        }
    }
}
