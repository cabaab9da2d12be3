import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// An idle worker's wait on PostgreSQL: a visible message that another worker's receive
/// holds locked is being leased, so the wait does not return for it (every idle worker of
/// every host would otherwise spin on receive → nothing → "visible" until that receive commits).
@Suite("PostgreSQL idle wait")
struct PostgresIdleWaitTests {
    @Test("a visible message locked by another receive does not end an idle wait; the deadline does")
    func lockedMessageDoesNotWake() async throws {
        let clock = ManualClock()
        let temporary = try await TemporaryPostgresStore(clock: clock)
        let store = temporary.store
        try await store.send(Data("m".utf8), to: "jobs")

        // Another "receive" holds the row locked in an open transaction, on a thread of its own.
        let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        let url = temporary.url
        let lockError = IdleWaitBox<String?>(nil)
        Thread {
            do {
                let connection = try PostgresConnection(target: try PostgresTarget(url: url))
                try connection.execute("BEGIN", doing: "locking")
                try connection.execute("SELECT id FROM qf_messages FOR UPDATE", doing: "locking")
                locked.signal()
                release.wait()
                try connection.execute("ROLLBACK", doing: "unlocking")
                connection.close()
            } catch {
                lockError.set("\(error)")
                locked.signal()
            }
            finished.signal()
        }.start()
        try await offPool { locked.wait() }
        #expect(lockError.get() == nil)

        let returned = IdleWaitBox(false)
        let waiter = Task {
            await store.waitForMessages(on: "jobs", until: clock.now().adding(.seconds(10)))
            returned.set(true)
        }
        // Give a wrongly immediate return time to happen (bounded; nothing is timed).
        for _ in 0..<20 where !returned.get() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(!returned.get(), "the wait returned for a message another receive is leasing")

        clock.advance(by: .seconds(10))
        await waiter.value
        #expect(returned.get())
        release.signal()
        try await offPool { finished.wait() }
        // Unlocked again, the message is receivable.
        #expect(try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30)).count == 1)
        await temporary.close()
    }
}

/// A value shared between the test and its threads.
private final class IdleWaitBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ new: Value) { value.withLock { $0 = new } }
}
