import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsPostgres

/// The pure pieces of the PostgreSQL engine: password redaction and reconnect backoff.
@Suite("PostgreSQL support")
struct PostgresSupportTests {
    @Test("URLs are shown without their password", arguments: [
        ("postgres://app:s3cret@db:5432/queues", "postgres://app@db:5432/queues"),
        ("postgresql://app:s3cret@db/queues?sslmode=require&password=s3cret", "postgresql://app@db/queues?sslmode=require"),
        ("postgres://app@db/queues", "postgres://app@db/queues"),
        ("postgres://db/queues?password=s3cret", "postgres://db/queues"),
        ("postgres://app:p%40ss:word@db", "postgres://app@db"),
    ])
    func redaction(url: String, shown: String) throws {
        #expect(PostgresTarget.redact(url) == shown)
        #expect(try PostgresTarget(url: url).description == shown)
    }

    @Test("a URL that is not PostgreSQL's is refused with the form to use")
    func notPostgres() {
        let error = #expect(throws: QueueStoreError.self) { try PostgresTarget(url: "mysql://app:s3cret@db/queues") }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("postgres://USER:PASSWORD@HOST:PORT/DATABASE") == true)
        #expect(error?.message.contains("s3cret") == false)
    }

    @Test("reconnecting: at once after a working connection broke, then doubling waits up to the cap")
    func backoff() {
        var backoff = PostgresReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(1))
        let start = ContinuousClock.now
        #expect(backoff.mayAttempt(at: start))
        #expect(backoff.failed(at: start) == .milliseconds(50))
        #expect(!backoff.mayAttempt(at: start.advanced(by: .milliseconds(49))))
        #expect(backoff.mayAttempt(at: start.advanced(by: .milliseconds(50))))
        #expect(backoff.failed(at: start) == .milliseconds(100))
        #expect(backoff.failed(at: start) == .milliseconds(200))
        for _ in 0..<40 { backoff.failed(at: start) }
        #expect(backoff.failed(at: start) == .seconds(1))
        backoff.succeeded()
        #expect(backoff.mayAttempt(at: start))
        #expect(backoff.failed(at: start) == .milliseconds(50))
    }

    @Test("a wake-up payload carries the queue (spaces and all) and how many to wake; others' payloads are ignored")
    func wakeUpPayload() {
        let wakeUp = PostgresWakeUp(queue: "my queue", count: 3)
        #expect(PostgresWakeUp(payload: wakeUp.payload) == wakeUp)
        #expect(PostgresWakeUp(payload: "hello") == nil)
        #expect(PostgresWakeUp(payload: "0 jobs") == nil)
        #expect(PostgresWakeUp(payload: "x jobs") == nil)
    }
}
