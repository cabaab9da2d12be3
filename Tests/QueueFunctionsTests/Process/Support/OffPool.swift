import Dispatch
import Foundation

/// Runs blocking work (file reads, process waits) on a dispatch queue, never on Swift's
/// cooperative pool, and hands its result back to async code.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Why a real-process test gave up: what it waited for, and what it saw.
struct ProcessTestFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Asks `probe` every `interval` until it returns a value, for at most `limit`.
///
/// `limit` is a safety limit, not a performance expectation: it only keeps a broken
/// product from hanging the test run.
///
/// - Parameters:
///   - what: What is awaited, for the failure message.
///   - lastSeen: Describes the last observation, for the failure message.
/// - Throws: ``ProcessTestFailure`` when the limit passes first.
func poll<T>(
    _ what: String, within limit: Duration, every interval: Duration = .milliseconds(50),
    lastSeen: () async -> String = { "" }, _ probe: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while true {
        if let value = try await probe() { return value }
        if clock.now >= deadline {
            let seen = await lastSeen()
            throw ProcessTestFailure("gave up after \(limit) waiting for \(what)" + (seen.isEmpty ? "" : "; last seen: \(seen)"))
        }
        try await Task.sleep(for: interval)
    }
}
