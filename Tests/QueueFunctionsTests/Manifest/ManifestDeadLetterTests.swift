import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Manifest dead-letter defaults")
struct ManifestDeadLetterTests {
    @Test func queueWithoutDeadLetterQueueGetsAnImplicitOne() throws {
        let manifest = try loadManifest(oneFunctionManifest()).manifest
        #expect(manifest.queues.map(\.name) == ["jobs", "jobs-dlq"])
        #expect(manifest.queue(named: "jobs")?.deadLetterQueue == "jobs-dlq")
        #expect(manifest.queue(named: "jobs-dlq") == QueueConfig(name: "jobs-dlq", deadLetterQueue: nil))
    }

    @Test func declaredDefaultTargetIsTerminalWhateverTheOrder() throws {
        let json = """
        {"queues": [{"name": "jobs-dlq", "max_receive_count": 9}, {"name": "jobs"}],
         "functions": [{"name": "work", "handler": "Worker", "trigger": {"queue": "jobs"}}]}
        """
        let manifest = try loadManifest(json).manifest
        #expect(manifest.queues.map(\.name) == ["jobs-dlq", "jobs"])
        #expect(manifest.queue(named: "jobs")?.deadLetterQueue == "jobs-dlq")
        #expect(manifest.queue(named: "jobs-dlq")?.deadLetterQueue == nil)
        #expect(manifest.queue(named: "jobs-dlq")?.maxReceiveCount == 9)
    }

    @Test func explicitTargetsAreTerminalAndUndeclaredOnesAreAddedAfterDeclaredQueues() throws {
        let json = """
        {"queues": [{"name": "a", "dead_letter_queue": "failures"}, {"name": "b", "dead_letter_queue": "parking"},
                    {"name": "parking"}, {"name": "c"}],
         "functions": [{"name": "fa", "handler": "H", "trigger": {"queue": "a"}},
                       {"name": "fb", "handler": "H", "trigger": {"queue": "b"}},
                       {"name": "fc", "handler": "H", "trigger": {"queue": "c"}},
                       {"name": "alert", "handler": "H", "trigger": {"queue": "failures"}}]}
        """
        let loaded = try loadManifest(json)
        let manifest = loaded.manifest
        #expect(manifest.queues.map(\.name) == ["a", "b", "parking", "c", "failures", "c-dlq"])
        #expect(manifest.queues.map(\.deadLetterQueue) == ["failures", "parking", nil, "c-dlq", nil, nil])
        #expect(manifest.queue(named: "failures") == QueueConfig(name: "failures"))
        #expect(!loaded.warnings.contains { $0.kind == .unusedQueue }, "dead-letter queues are not unused")
    }

    @Test func deadLetterQueueNamesMustBeValid() throws {
        let error = try #require(manifestError(oneFunctionManifest(queue: #""dead_letter_queue": "no good""#)))
        #expect(error.errors.map(\.kind) == [.invalidQueueName])
        #expect(error.errors.first?.path == "$.queues[0].dead_letter_queue")
        let long = String(repeating: "q", count: 78)
        let tooLong = try #require(manifestError("""
        {"queues": [{"name": "\(long)"}], "functions": [{"name": "f", "handler": "H", "trigger": {"queue": "\(long)"}}]}
        """))
        #expect(tooLong.errors.map(\.kind) == [.invalidQueueName])
        #expect(tooLong.errors.first?.message.contains("default dead-letter queue") == true)
    }
}
