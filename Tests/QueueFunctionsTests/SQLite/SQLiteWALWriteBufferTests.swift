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

    @Test("once the store thread has checkpointed a full WAL and starts it again, the file keeps its size")
    func fullWALKeepsItsSizeAfterARestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("queues.sqlite")
            let wal = path + "-wal"
            let store = try await SQLiteQueueStore(path: path, clock: ManualClock())
            let walBytes: @Sendable () -> Int = {
                (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            }
            // Past the store thread's own checkpoint (40,000 frames of 4 KiB: 165 MB; it waits
            // for the checkpoint thread at 60,000): 16 KiB bodies, five frames each, 100 to a commit.
            let body = Data(repeating: 9, count: 16 * 1024)
            var sent = 0
            var largest = 0
            var restarted = false
            for _ in 0..<200 where !restarted {
                try await store.send((0..<100).map { _ in OutgoingMessage(body: body) }, to: "jobs")
                sent += 100
                let size = walBytes()
                // A WAL written over from its start stops growing: the file is as large as before.
                restarted = size == largest && largest > 150_000_000
                largest = Swift.max(largest, size)
            }
            #expect(restarted, "the WAL never started again from its beginning (largest \(largest) bytes)")
            #expect(walBytes() > 150_000_000, "the WAL was cut back to \(walBytes()) bytes after its restart")
            #expect(largest <= SQLiteCheckpointer.walSizeLimit, "the WAL grew to \(largest) bytes")
            #expect(try RawSQLiteFile.scalar(path, "SELECT count(*) FROM messages") == Int64(sent))
            #expect(try await store.stats(for: "jobs").visible == sent)
            await store.close()
            #expect(!FileManager.default.fileExists(atPath: wal), "closing the store left its WAL behind")
        }
    }
}
