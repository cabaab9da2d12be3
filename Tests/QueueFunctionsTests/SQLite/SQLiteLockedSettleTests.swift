import CSQLite
import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// The write lock of another connection (the CLI, a second host) during a batch.
private final class LockHolder: Sendable {
    private let handle = Mutex<OpaquePointer?>(nil)
    let path: String

    init(path: String) { self.path = path }

    /// Opens a second connection and takes the database's write lock.
    func lock() {
        handle.withLock { handle in
            var opened: OpaquePointer?
            guard sqlite3_open(path, &opened) == SQLITE_OK else { return }
            sqlite3_exec(opened, "BEGIN IMMEDIATE", nil, nil, nil)
            handle = opened
        }
    }

    /// Gives the lock back and closes the connection.
    func unlock() {
        handle.withLock { handle in
            guard let open = handle else { return }
            sqlite3_exec(open, "ROLLBACK", nil, nil, nil)
            sqlite3_close(open)
            handle = nil
        }
    }
}

/// Records each job and, on the first batch, has another connection take the write lock,
/// as `queuefunctions send` or a second host would while the batch runs.
private struct LocksWhileHandling: QueueFunction {
    typealias Message = Job
    let recorder: Recorder
    let holder: LockHolder

    func handle(_ batch: MessageBatch<Job>, context: FunctionContext) async throws {
        if recorder.count == 0 { holder.lock() }
        for item in batch { recorder.record(item.message, item.metadata, at: context.clock.now()) }
    }
}

@Suite("SQLite locked while settling")
struct SQLiteLockedSettleTests {
    @Test("a lock held by another process while a batch is settled: the acks are kept and applied once it is gone; the batch runs once")
    func lockedSettleKeepsAcks() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let clock = ManualClock()
            let store = try await SQLiteQueueStore(
                path: path, clock: clock, options: SQLiteQueueStore.Options(busyTimeout: .milliseconds(50))
            )
            let recorder = Recorder()
            let holder = LockHolder(path: path)
            defer { holder.unlock() }
            var registry = FunctionRegistry()
            registry.register("Locks", LocksWhileHandling(recorder: recorder, holder: holder))
            try await store.send((0..<3).map { OutgoingMessage(body: Data("{\"number\":\($0)}".utf8)) }, to: "jobs")
            let host = try FailurePathHost(
                function: failurePathFunction(handler: "Locks", queue: "jobs"),
                queue: QueueConfig(name: "jobs", visibilityTimeout: .seconds(30)), registry: registry, store: store, clock: clock
            )
            #expect(try await becomesTrue { recorder.count == 3 })
            #expect(try await becomesTrue { host.metrics.storeFailure != nil })
            #expect(host.metrics.storeFailure?.error.contains("database is locked") == true)
            #expect(host.metrics.succeeded == 0)

            holder.unlock()
            for _ in 0..<40 {
                clock.advance(by: .seconds(1))
                await letRun()
            }
            #expect(try await becomesTrue { host.metrics.succeeded == 3 })
            #expect(recorder.count == 3, "the handled batch ran again")
            #expect(try await store.stats(for: "jobs").total == 0)
            #expect(host.metrics.storeFailure == nil)
            await host.shutdown()
            await store.close()
        }
    }
}
