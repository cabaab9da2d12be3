import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting

@Suite("FaultyFunction")
struct FaultyFunctionTests {
    /// Waits (bounded, in real time) until `condition` holds: for a handler that hangs,
    /// the host never settles, so the test waits for the hang to start instead.
    private func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let giveUp = Date().addingTimeInterval(10)
        while !condition() {
            guard Date() < giveUp else { throw HandlerFailure(description: "gave up waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test("an injected throw fails the invocation once; the retry succeeds")
    func throwsOnce() async throws {
        let recorder = Recorder()
        let faulty = FaultyFunction(wrapping: RecordingFunction(recorder: recorder), [.throwing(when: .onCall(1))])
        let host = try TestHost(function: faulty, queue: QueueConfig(name: "jobs"), retry: RetryPolicy(initialDelay: .seconds(1), jitter: 0))
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        #expect(recorder.count == 0)
        try await host.advance(by: .seconds(1))
        #expect(recorder.all.map(\.receiveCount) == [2])
        #expect(faulty.counts.thrown == 1)
        #expect(faulty.counts.invocations == 2)
        await host.shutdown()
    }

    @Test("a hanging handler is cancelled by its timeout and its message retried")
    func hangsUntilTimeout() async throws {
        let recorder = Recorder()
        let faulty = FaultyFunction(wrapping: RecordingFunction(recorder: recorder), [.hanging(when: .onCall(1))])
        let host = try TestHost(
            function: faulty, queue: QueueConfig(name: "jobs"), timeout: .seconds(5), retry: RetryPolicy(initialDelay: .seconds(1), jitter: 0)
        )
        let deadline = host.clock.now().adding(.seconds(5))
        try await host.send(Job(number: 1), to: "jobs")
        try await waitUntil("the handler hangs under its timeout") { faulty.counts.hung == 1 && host.clock.nextDeadline == deadline }
        try await host.advance(by: .seconds(5))
        #expect(host.metrics().timeouts == 1)
        try await host.advance(by: .seconds(1))
        #expect(recorder.all.map(\.receiveCount) == [2])
        #expect(faulty.counts.hung == 1)
        await host.shutdown()
    }

    @Test("a handler that ignores cancellation keeps its worker until its hang ends on the clock")
    func ignoresCancellation() async throws {
        let recorder = Recorder()
        let faulty = FaultyFunction(
            wrapping: RecordingFunction(recorder: recorder), [.ignoringCancellation(for: .seconds(8), when: .onCall(1))]
        )
        let host = try TestHost(
            function: faulty, queue: QueueConfig(name: "jobs"), timeout: .seconds(5), retry: RetryPolicy(initialDelay: .seconds(1), jitter: 0)
        )
        try await host.send(Job(number: 1), to: "jobs")
        try await waitUntil("the handler hangs and its timeout is set") {
            faulty.counts.ignoredCancellation == 1 && host.clock.sleeperCount >= 2
        }
        host.clock.advance(by: .seconds(5))
        try await waitUntil("the invocation times out") { host.metrics().timeouts == 1 }
        // The timeout released the message, but the handler still holds its worker.
        #expect(!host.host.isQuiescent)
        #expect(recorder.count == 0)
        host.clock.advance(by: .seconds(3))
        try await host.settle()
        // The hang ended cancelled, and the retry (due 1 s after the timeout) ran at once.
        #expect(recorder.all.map(\.receiveCount) == [2])
        #expect(faulty.counts.ignoredCancellation == 1)
        await host.shutdown()
    }

    @Test("a message that crashes its handler every time reaches the DLQ after max_receive_count, marked as a crash")
    func crashesToDeadLetter() async throws {
        let recorder = Recorder()
        let faulty = FaultyFunction(wrapping: RecordingFunction(recorder: recorder), [.crashing(when: .always)])
        let queue = QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq", maxReceiveCount: 3)
        let host = try TestHost(function: faulty, queue: queue, retry: RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(1), jitter: 0))
        try await host.send(Job(number: 1), to: "jobs")
        try await host.settle()
        try await host.advance(by: .seconds(1))
        try await host.advance(by: .seconds(1))
        let dead = try await host.deadLetters(of: "jobs")
        #expect(dead.count == 1)
        #expect(dead.first?.receiveCount == 3)
        #expect(dead.first?.failures.allSatisfy { $0.error.contains("simulated crash") } == true)
        #expect(recorder.count == 0)
        #expect(faulty.counts.crashed == 3)
        await host.shutdown()
    }

    @Test("a share of invocations fails; copies share their counts")
    func shareOfInvocations() async throws {
        let recorder = Recorder()
        let faulty = FaultyFunction(wrapping: RecordingFunction(recorder: recorder), seed: 9, [.throwing(when: .rate(0.3))])
        let queue = QueueConfig(name: "jobs", maxReceiveCount: 100)
        let host = try TestHost(
            function: faulty, queue: queue, batchSize: 1, workers: 3, retry: RetryPolicy(initialDelay: .seconds(1), maxDelay: .seconds(1), jitter: 0)
        )
        for number in 0..<200 { try await host.send(Job(number: number), to: "jobs") }
        try await host.settle()
        var rounds = 0
        while try await host.stats("jobs").total > 0, rounds < 100 {
            try await host.advance(by: .seconds(1))
            rounds += 1
        }
        #expect(Set(recorder.numbers) == Set(0..<200))
        let counts = faulty.counts
        #expect(counts.invocations == 200 + counts.thrown)
        #expect(Double(counts.thrown) / Double(counts.invocations) > 0.15)
        #expect(Double(counts.thrown) / Double(counts.invocations) < 0.45)
        await host.shutdown()
    }
}
