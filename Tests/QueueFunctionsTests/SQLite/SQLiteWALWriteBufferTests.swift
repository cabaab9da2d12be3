import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// The store writes each commit to the WAL in one write (`SQLiteWALWriteBuffer`): what a
/// send committed must be in the file when the send returns, readable by another connection
/// through plain SQLite while the store stays open.
@Suite("SQLite WAL write buffer")
struct SQLiteWALWriteBufferTests {
    @Test("the store's files go through the WAL write buffer")
    func storeUsesTheBuffer() {
        #expect(SQLiteWALWriteBuffer.vfsName != nil)
    }

    @Test("each committed send is in the file for another connection before the store closes")
    func commitsAreVisibleToAnotherConnection() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock())
            var sent = 0
            var bodyBytes = 0
            for round in 0..<5 {
                // A lone send: a commit of a few frames.
                try await store.send(Data("lone \(round)".utf8), to: "jobs")
                sent += 1
                bodyBytes += "lone \(round)".utf8.count
                // A transaction of about 800 KiB of frames: many writes gathered and written
                // in pieces the system's VFS takes.
                let body = Data(repeating: UInt8(round), count: 4096)
                try await store.send((0..<200).map { _ in OutgoingMessage(body: body) }, to: "jobs")
                sent += 200
                bodyBytes += 200 * body.count
                #expect(try RawSQLiteFile.scalar(path, "SELECT count(*) FROM messages") == Int64(sent))
                #expect(try RawSQLiteFile.scalar(path, "SELECT sum(length(body)) FROM messages") == Int64(bodyBytes))
            }
            #expect(try RawSQLiteFile.text(path, "PRAGMA integrity_check") == "ok")
            #expect(try await store.stats(for: "jobs").visible == sent)
            await store.close()
        }
    }

    @Test("past 10,000 WAL frames the WAL is copied back into the database while the store stays open")
    func checkpointsWhileOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock())
            let body = Data(repeating: 7, count: 4096)
            var sent = 0
            // About 11,000 frames of 4 KiB: past the threshold, short of the store thread's own.
            for _ in 0..<110 {
                try await store.send((0..<100).map { _ in OutgoingMessage(body: body) }, to: "jobs")
                sent += 100
            }
            let copiedBack: @Sendable () -> Bool = {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                return size > 20 << 20
            }
            for _ in 0..<1_000 where !copiedBack() {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(copiedBack(), "the database file stayed small: no checkpoint ran")
            #expect(try RawSQLiteFile.scalar(path, "SELECT count(*) FROM messages") == Int64(sent))
            #expect(try RawSQLiteFile.text(path, "PRAGMA integrity_check") == "ok")
            await store.close()
        }
    }

    @Test("under a steady stream of commits the WAL starts again from its beginning within its bound, and keeps its size when it does")
    func walRestartsWithinItsBoundAndKeepsItsSize() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let wal = path + "-wal"
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock())
            let walBytes: @Sendable () -> Int = {
                (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            }
            // 16 KiB bodies, five frames each, 100 to a commit: every commit adds 2 MB to a WAL
            // that does not start again. The checkpoint thread may catch up between two commits
            // (the WAL then starts again early, when the machine is slow); otherwise the store
            // thread starts it again past 40,000 frames of 4 KiB (165 MB).
            let body = Data(repeating: 9, count: 16 * 1024)
            let cutLimit = 64 * 1024 * 1024
            var sent = 0
            var previous = 0
            var largest = 0
            var restarts = 0
            var restartedAboveTheOldCut = false
            var cuts: [String] = []
            for _ in 0..<160 where !restartedAboveTheOldCut && restarts < 3 {
                try await store.send((0..<100).map { _ in OutgoingMessage(body: body) }, to: "jobs")
                sent += 100
                let size = walBytes()
                // A WAL written over from its start stops growing.
                if size <= previous {
                    restarts += 1
                    restartedAboveTheOldCut = previous > cutLimit
                    if size < previous { cuts.append("\(previous) → \(size)") }
                }
                previous = size
                largest = Swift.max(largest, size)
            }
            #expect(restarts > 0, "the WAL never started again from its beginning (largest \(largest) bytes)")
            #expect(cuts.isEmpty, "the WAL was cut back when it started again: \(cuts) bytes")
            #expect(largest <= SQLiteCheckpointer.walSizeLimit, "the WAL grew to \(largest) bytes")
            #expect(try RawSQLiteFile.scalar(path, "SELECT count(*) FROM messages") == Int64(sent))
            #expect(try await store.stats(for: "jobs").visible == sent)
            await store.close()
            #expect(!FileManager.default.fileExists(atPath: wal), "closing the store left its WAL behind")
        }
    }
}
