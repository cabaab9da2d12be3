import Foundation
import Testing
import QueueFunctions
import QueueFunctionsTesting
import SampleFunctions

/// The sample's `resize-thumbnail` runs under `aws-lambda-sqs` (functions.json).
@Suite("Platform profiles: sample function under aws-lambda-sqs")
struct ProfileSampleTests {
    static func host(thumbnails: ThumbnailStore) throws -> TestHost {
        let registry = SampleApp.registry(services: SampleServices(), thumbnails: thumbnails)
        let loaded = try ManifestLoader.load(contentsOf: RepositoryPaths.manifest, registeredHandlers: Set(registry.names))
        #expect(loaded.manifest.function(named: "resize-thumbnail")?.profile == .awsLambdaSQS)
        return try TestHost(manifest: loaded.manifest, registry: registry)
    }

    @Test("resize-thumbnail: a record listed in batchItemFailures comes back only when the 60 s visibility timeout runs out, and SQS dead-letters it after max_receive_count 5 (services-sqs-errorhandling)")
    func failedRecordRetriedAfterVisibilityTimeout() async throws {
        let thumbnails = ThumbnailStore()
        let host = try Self.host(thumbnails: thumbnails)
        let bodies = try [ThumbnailJob(image: "cat.jpg", width: 128), ThumbnailJob(image: "dog.jpg", width: 0)].map { try JSONEncoder().encode($0) }
        _ = try await host.host.queues.send(bodies: bodies, to: "thumbnail-jobs")
        try await host.settle()
        #expect(thumbnails.thumbnails == ["cat.jpg@128"])
        #expect(try await host.stats("thumbnail-jobs").delayed == 1)
        try await host.advance(by: .seconds(59))
        #expect(host.metrics("resize-thumbnail").invocations == 1)
        try await host.advance(by: .seconds(1))
        #expect(host.metrics("resize-thumbnail").invocations == 2)
        for _ in 0..<3 { try await host.advance(by: .seconds(60)) }
        #expect(try await host.deadLetters(of: "thumbnail-jobs").count == 1)
        #expect(thumbnails.thumbnails == ["cat.jpg@128"])
        await host.shutdown()
    }

    @Test("the same manifest with a visibility timeout below the function timeout is refused as Lambda refuses it")
    func lambdaRefusesShortVisibility() throws {
        let text = try String(contentsOf: RepositoryPaths.manifest, encoding: .utf8)
            .replacingOccurrences(of: #"{ "name": "thumbnail-jobs", "visibility_timeout": "60s" }"#,
                                  with: #"{ "name": "thumbnail-jobs", "visibility_timeout": "5s" }"#)
        #expect(throws: ManifestError.self) { try ManifestLoader.parse(Data(text.utf8), fileName: "functions.json", registeredHandlers: nil) }
        do {
            _ = try ManifestLoader.parse(Data(text.utf8), fileName: "functions.json", registeredHandlers: nil)
        } catch {
            #expect(error.diagnostics.contains { $0.message.hasPrefix("InvalidParameterValueException: Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds") })
        }
    }
}
