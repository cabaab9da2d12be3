import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// A SQLite send finds a message id repeated within one call from the failed INSERT (the id
/// index rejects it), not by checking every send beforehand: the call must still be refused
/// whole, naming the id as repeated, wherever the two copies sit in the batch.
@Suite("SQLite repeated ids in one send")
struct SQLiteRepeatedIDTests {
    @Test("an id repeated 40 messages apart (two INSERT statements) is named as repeated; nothing is stored")
    func repeatAcrossInsertStatements() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let repeated = MessageID("twice")
            var batch = (0..<40).map { OutgoingMessage(body: Data("m\($0)".utf8)) }
            batch[0].id = repeated
            batch[39].id = repeated
            let error = await #expect(throws: QueueStoreError.self) { try await store.send(batch, to: "jobs") }
            #expect(error?.kind == .invalidArgument)
            #expect(error?.message.contains("twice") == true)
            #expect(error?.message.contains("more than once") == true)
            #expect(try await store.stats(for: "jobs").total == 0)
            await store.close()
        }
    }

    @Test("concurrent sends, one repeating an id within itself: only that call fails, the others are stored")
    func repeatInOneOfManyConcurrentSends() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let outcomes = await withTaskGroup(of: (Int, String?).self) { group in
                for index in 0..<6 {
                    group.addTask {
                        var batch = [OutgoingMessage(body: Data("a".utf8)), OutgoingMessage(body: Data("b".utf8))]
                        if index == 2 { batch[1].id = batch[0].id }
                        do {
                            try await store.send(batch, to: "jobs")
                            return (index, nil)
                        } catch let error as QueueStoreError {
                            return (index, error.message)
                        } catch {
                            return (index, "\(error)")
                        }
                    }
                }
                var outcomes: [Int: String?] = [:]
                for await (index, failure) in group { outcomes[index] = failure }
                return outcomes
            }
            for index in 0..<6 where index != 2 { #expect(outcomes[index] == .some(nil)) }
            #expect(outcomes[2]??.contains("more than once") == true)
            #expect(try await store.stats(for: "jobs").total == 10)
            await store.close()
        }
    }
}

/// Ids the SQLite store binds from their bytes are stored and found as their text was before.
@Suite("SQLite id text")
struct SQLiteIDTextTests {
    @Test("an empty id and a UUID id are stored, peeked and cancelled by their text")
    func emptyAndUUIDIDs() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            let uuid = MessageID("01234567-89ab-cdef-0123-456789abcdef")
            try await store.send([OutgoingMessage(body: Data("a".utf8), id: MessageID("")), OutgoingMessage(body: Data(), id: uuid)], to: "jobs")
            #expect(try await store.peek("jobs", limit: 10).map(\.id.rawValue) == ["", uuid.rawValue])
            #expect(try await store.cancel(MessageID(""), on: "jobs") == .cancelled)
            #expect(try await store.cancel(uuid, on: "jobs") == .cancelled)
            #expect(try await store.stats(for: "jobs").total == 0)
            await store.close()
        }
    }
}
