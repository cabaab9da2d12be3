import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// Message ids are the PostgreSQL engine's keys, and a batch of acks passes them as one
/// array: any text a producer picks must round-trip and settle.
@Suite("PostgreSQL message ids")
struct PostgresMessageIDTests {
    @Test("ids with quotes, backslashes, commas, braces and spaces are leased and acked in one batch")
    func awkwardIDs() async throws {
        let store = try await TemporaryPostgresStore(clock: ManualClock())
        let ids = ["a\"b", "c\\d", "{e,f}", "g h", "NULL", "ü€", ""].map(MessageID.init)
        try await store.send(ids.map { OutgoingMessage(body: Data($0.rawValue.utf8), id: $0) }, to: "jobs")
        let leases = try await store.receive(from: "jobs", maxCount: 10, visibilityTimeout: .seconds(30))
        #expect(leases.map(\.message.id) == ids)
        let tokens = leases.map(\.token)
        let results = try await store.settle((tokens + [tokens[0]]).map { Settlement($0, .ack) })
        #expect(results == Array(repeating: .applied, count: ids.count) + [.staleLease])
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }

    @Test("an id holding a NUL character is refused, not cut short")
    func nulInID() async throws {
        let store = try await TemporaryPostgresStore(clock: ManualClock())
        let error = await #expect(throws: QueueStoreError.self) {
            try await store.send([OutgoingMessage(body: Data(), id: MessageID("a\u{0}b"))], to: "jobs")
        }
        #expect(error?.kind == .invalidArgument)
        #expect(try await store.stats(for: "jobs").total == 0)
        await store.close()
    }
}
