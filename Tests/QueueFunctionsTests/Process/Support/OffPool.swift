import Dispatch
import Foundation

// `offPool` (run blocking work on a thread of its own) lives in Support/HTTPTestClient.swift.

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
