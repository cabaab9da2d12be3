import Foundation
import Synchronization

/// Polls `condition` until it holds, for at most `limit` of real time: a way to wait for
/// background tasks to reach a state, never a performance assertion. The one polling
/// loop of the tests; the helpers below name it differently for their callers. The
/// default is generous: the whole suite runs side by side on 2 cores, where a step that
/// takes milliseconds alone can take seconds.
func becomesTrue(_ limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let giveUp = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < giveUp {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// ``becomesTrue(_:_:)`` by the name the gateway and profile tests use.
func eventually(_ limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    try await becomesTrue(limit, condition)
}

/// Waits until `condition` holds, for at most `limit`; throws an error naming `what` otherwise.
func eventually(
    _ what: String, within limit: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool
) async throws {
    guard try await becomesTrue(limit, condition) else {
        throw EventuallyTimeout(description: "timed out after \(limit) waiting for \(what)")
    }
}

/// Lets background tasks run until they have nothing left to do without the clock moving
/// (bounded, in real time).
func letRun(_ iterations: Int = 200) async {
    for _ in 0..<iterations { await Task.yield() }
    try? await Task.sleep(for: .milliseconds(10))
}

/// Whether `body` returns within `limit` of real time (it keeps running otherwise).
func returnsWithin(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    let returned = Mutex(false)
    Task {
        await body()
        returned.withLock { $0 = true }
    }
    return (try? await becomesTrue(limit) { returned.withLock { $0 } }) ?? false
}
