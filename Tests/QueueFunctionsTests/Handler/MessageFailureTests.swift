import Foundation
import Synchronization
import Testing
import QueueFunctions
import QueueFunctionsTesting

/// Throws the failure it is told to on the first delivery, then succeeds.
private struct OutcomeFunction: MessageFunction {
    typealias Message = Job
    let recorder: Recorder
    let firstDelivery: MessageFailure

    func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
        recorder.record(message, metadata, at: context.clock.now())
        if metadata.receiveCount == 1 { throw firstDelivery }
    }
}

@Suite("MessageFunction outcomes")
struct MessageFailureTests {
    @Test("MessageFailure.retry(after:) delays the retry by exactly that long, not the function's backoff")
    func retryAfterIsExact() async throws {
        let recorder = Recorder()
        let host = try TestHost(
            function: OutcomeFunction(recorder: recorder, firstDelivery: .retry(after: .seconds(7), reason: "rate limited")),
            queue: QueueConfig(name: "jobs"), retry: RetryPolicy(initialDelay: .seconds(1), jitter: 0)
        )
        let start = host.clock.now()
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        #expect(recorder.count == 1)
        try await host.advance(by: .milliseconds(6_999))
        #expect(recorder.count == 1)
        try await host.advance(by: .milliseconds(1))
        #expect(recorder.count == 2)
        #expect(recorder.all.map { $0.time.timeIntervalSince(start) } == [0, 7])
        #expect(try await host.stats("jobs").total == 0)
        #expect(try await host.deadLetters(of: "jobs").isEmpty)
        await host.shutdown()
    }

    @Test("MessageFailure.deadLetter(reason:) moves the message to the DLQ at once with the reason")
    func deadLetterNow() async throws {
        let recorder = Recorder()
        let queue = QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq", maxReceiveCount: 5)
        let host = try TestHost(
            function: OutcomeFunction(recorder: recorder, firstDelivery: .deadLetter(reason: "unknown customer 42")), queue: queue
        )
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        #expect(recorder.count == 1)
        let dead = try await host.deadLetters(of: "jobs")
        #expect(dead.count == 1)
        #expect(dead.first?.receiveCount == 1)
        #expect(dead.first?.deadLetter?.reason == "unknown customer 42")
        #expect(try await host.stats("jobs").total == 0)
        #expect(host.metrics().deadLettered == 1)
        await host.shutdown()
    }

    @Test("other errors still retry with the function's backoff")
    func otherErrorsUseBackoff() async throws {
        struct Plain: MessageFunction {
            typealias Message = Job
            let recorder: Recorder
            func handle(_ message: Job, metadata: MessageMetadata, context: FunctionContext) async throws {
                recorder.record(message, metadata, at: context.clock.now())
                if metadata.receiveCount == 1 { throw HandlerFailure(description: "boom") }
            }
        }
        let recorder = Recorder()
        let host = try TestHost(
            function: Plain(recorder: recorder), queue: QueueConfig(name: "jobs"), retry: RetryPolicy(initialDelay: .seconds(2), jitter: 0)
        )
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        try await host.advance(by: .seconds(2))
        #expect(recorder.count == 2)
        await host.shutdown()
    }
}
