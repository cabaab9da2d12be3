import Foundation
import Testing
@testable import QueueFunctions

/// Lambda's event source mapping rules for FIFO queues (platforms.md §6.1).
@Suite("Platform profiles: FIFO rules")
struct ProfileFIFOTests {
    @Test("Lambda: a FIFO queue's batch_size is at most 10 (services-sqs-parameters)")
    func lambdaFIFOBatchSizeIsAtMostTen() throws {
        let json = profileManifest("aws-lambda-sqs", queue: #""fifo": true"#, trigger: #""batch_size": 11, "batching_window": "1s""#)
        let errors = diagnostics(json)
        let error = try #require(errors.first { $0.path == "$.functions[0].trigger.batch_size" })
        #expect(error.kind == .platformRule)
        #expect(error.message == "InvalidParameterValueException: Value '11' at 'batchSize' failed to satisfy constraint: "
            + "Member must have value less than or equal to 10 for an SQS FIFO queue")
        #expect(error.fix.contains("at most 10"))
        #expect(diagnostics(profileManifest("aws-lambda-sqs", queue: #""fifo": true"#, trigger: #""batch_size": 10"#)).isEmpty)
        // A standard queue takes more with a window; the native profile has no such cap.
        #expect(diagnostics(profileManifest("aws-lambda-sqs", trigger: #""batch_size": 11, "batching_window": "1s""#)).isEmpty)
        #expect(diagnostics(profileManifest("native", queue: #""fifo": true"#, trigger: #""batch_size": 100"#)).isEmpty)
    }

    @Test("Lambda: a FIFO queue takes no batching window (services-sqs-parameters)")
    func lambdaFIFOHasNoBatchingWindow() throws {
        let errors = diagnostics(profileManifest("aws-lambda-sqs", queue: #""fifo": true"#, trigger: #""batching_window": "2s""#))
        #expect(errors.map(\.message) == ["InvalidParameterValueException: MaximumBatchingWindowInSeconds is not supported for an SQS FIFO queue"])
    }
}
