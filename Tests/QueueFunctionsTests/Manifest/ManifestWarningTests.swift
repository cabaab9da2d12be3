import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Manifest warnings")
struct ManifestWarningTests {
    @Test func visibilityTimeoutBelowSixTimesTheTimeoutPlusWindow() throws {
        let loaded = try loadManifest(oneFunctionManifest(
            queue: #""visibility_timeout": "40s""#, function: #""timeout": "10s""#, trigger: #""batching_window": "5s""#
        ))
        #expect(loaded.warnings.map(\.kind) == [.visibilityTimeoutBelowAdvice])
        #expect(loaded.warnings.first?.path == "$.queues[0].visibility_timeout")
        #expect(loaded.warnings.first?.line == 2)
        #expect(loaded.warnings.first?.fix.contains("1m5s") == true || loaded.warnings.first?.fix.contains("65s") == true)
        let advised = try loadManifest(oneFunctionManifest(
            queue: #""visibility_timeout": "65s""#, function: #""timeout": "10s""#, trigger: #""batching_window": "5s""#
        ))
        #expect(advised.warnings.isEmpty)
    }

    @Test func lowMaxReceiveCount() throws {
        let loaded = try loadManifest(oneFunctionManifest(queue: #""max_receive_count": 2"#))
        #expect(loaded.warnings.map(\.kind) == [.lowMaxReceiveCount])
        #expect(loaded.warnings.first?.path == "$.queues[0].max_receive_count")
        #expect(loaded.warnings.first?.severity == .warning)
        #expect(try loadManifest(oneFunctionManifest(queue: #""max_receive_count": 5"#)).warnings.isEmpty)
    }

    @Test func largeBatchWithoutBatchingWindow() throws {
        let loaded = try loadManifest(oneFunctionManifest(trigger: #""batch_size": 100"#))
        #expect(loaded.warnings.map(\.kind) == [.batchWithoutWindow])
        #expect(loaded.warnings.first?.path == "$.functions[0].trigger.batch_size")
        #expect(try !loadManifest(oneFunctionManifest(trigger: #""batch_size": 100, "batching_window": "1s""#)).warnings.contains { $0.kind == .batchWithoutWindow })
        #expect(try loadManifest(oneFunctionManifest(trigger: #""batch_size": 10"#)).warnings.isEmpty)
    }

    @Test func queueThatNothingUses() throws {
        let json = """
        {"queues": [{"name": "jobs"}, {"name": "fed"}, {"name": "orphan"}],
         "functions": [{"name": "work", "handler": "Worker", "trigger": {"queue": "jobs"}}],
         "producers": [{"type": "http", "route": "POST /fed", "queue": "fed"}]}
        """
        let loaded = try loadManifest(json)
        #expect(loaded.warnings.map(\.kind) == [.unusedQueue])
        #expect(loaded.warnings.first?.path == "$.queues[2].name")
        #expect(loaded.warnings.first?.message.contains("\"orphan\"") == true)
    }

    @Test func warningsAccompanyErrors() throws {
        let error = try #require(manifestError(oneFunctionManifest(queue: #""max_receive_count": 2"#, function: #""timeout": "0s""#)))
        #expect(error.errors.map(\.kind) == [.outOfRange])
        #expect(error.warnings.map(\.kind) == [.lowMaxReceiveCount])
        #expect(error.description.contains("functions.json:2:52: warning: $.queues[0].max_receive_count"))
    }
}
