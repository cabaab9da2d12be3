import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
import QueueFunctionsTesting

/// A job with a number, as the dependency tests send it.
struct BillingJob: Codable, Sendable {
    var number: Int
}

/// A fake downstream API: records each call's time and caller, can be switched off
/// (an outage), and tracks how many calls run at once.
final class FakeAPI: Sendable {
    struct Call: Sendable {
        var time: Date
        var caller: String
        var number: Int
        var succeeded: Bool
    }

    private struct State {
        var calls: [Call] = []
        var down = false
        var running = 0
        var mostRunning = 0
    }

    private let state = Mutex(State())

    var isDown: Bool {
        get { state.withLock { $0.down } }
        set { state.withLock { $0.down = newValue } }
    }

    var calls: [Call] { state.withLock { $0.calls } }
    var successes: [Call] { calls.filter(\.succeeded) }
    var mostRunning: Int { state.withLock { $0.mostRunning } }

    /// One call: fails with `DependencyUnavailable` while down.
    func call(_ number: Int, caller: String, at time: Date, name: String = "billing-api") throws {
        let down = state.withLock { state in
            state.calls.append(Call(time: time, caller: caller, number: number, succeeded: !state.down))
            return state.down
        }
        if down { throw DependencyUnavailable(name, reason: "the fake API is switched off") }
    }

    /// Marks a call as running until `end()` is called.
    func begin() {
        state.withLock { state in
            state.running += 1
            state.mostRunning = max(state.mostRunning, state.running)
        }
    }

    func end() {
        state.withLock { $0.running -= 1 }
    }

    /// The most calls in any half-open window of `length` starting at a call.
    func mostCalls(within length: Duration) -> Int {
        let times = calls.map(\.time)
        return times.map { start in times.count { $0 >= start && $0 < start.adding(length) } }.max() ?? 0
    }
}

/// Calls the fake API once per message.
struct CallsAPI: MessageFunction {
    typealias Message = BillingJob
    let api: FakeAPI
    var dependency = "billing-api"

    func handle(_ message: BillingJob, metadata: MessageMetadata, context: FunctionContext) async throws {
        try api.call(message.number, caller: context.functionName, at: context.clock.now(), name: dependency)
    }
}

/// Holds each message for `hold` on the host's clock while counting concurrent calls.
struct SlowCall: MessageFunction {
    typealias Message = BillingJob
    let api: FakeAPI
    let hold: Duration

    func handle(_ message: BillingJob, metadata: MessageMetadata, context: FunctionContext) async throws {
        api.begin()
        defer { api.end() }
        try api.call(message.number, caller: context.functionName, at: context.clock.now())
        try await context.clock.sleep(for: hold)
    }
}

extension TestHost {
    /// Lets the host run until nothing more happens without the clock moving: every worker
    /// waits on the clock (or for messages), or nothing has changed (no worker went idle, no
    /// sleeper on the clock came or went) for a few polls; bounded in real time.
    func quiet() async {
        var calm = 0
        var last = (host.activity.generation(of: FunctionRunner.activityKey), clock.sleeperCount)
        for _ in 0..<200 {
            try? await Task.sleep(for: .milliseconds(2))
            let now = (host.activity.generation(of: FunctionRunner.activityKey), clock.sleeperCount)
            if now == last {
                calm += 1
                // A host that is not quiescent gets longer: on a loaded machine a busy worker
                // may show no change for a few polls.
                if calm >= (host.isQuiescent ? 2 : 20) { return }
            } else {
                calm = 0
                last = now
            }
        }
    }

    /// Advances the clock in `step`s for `duration`, letting the host run after each.
    func drive(for duration: Duration, step: Duration = .milliseconds(100), after: (Duration) -> Void = { _ in }) async {
        var elapsed = Duration.zero
        await quiet()
        while elapsed < duration {
            clock.advance(by: step)
            elapsed += step
            after(elapsed)
            await quiet()
        }
    }
}

/// A manifest with `functions` (JSON objects) and `dependencies`, every queue declared.
func dependencyManifest(queues: [String], functions: [String], dependencies: String, maxReceiveCount: Int = 5) throws -> Manifest {
    let queueList = queues.map { #"{"name": "\#($0)", "max_receive_count": \#(maxReceiveCount), "visibility_timeout": "5m"}"# }
    return try loadManifest("""
        {"queues": [\(queueList.joined(separator: ", "))],
         "dependencies": \(dependencies),
         "functions": [\(functions.joined(separator: ", "))]}
        """).manifest
}
