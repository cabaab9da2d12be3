import Foundation
import Testing
@testable import QueueFunctions

/// A lease starts at receive, the timeout after the batching window: the visibility
/// timeout must cover both, or a message is delivered again while it is handled.
@Suite("Manifest lease coverage")
struct ManifestLeaseCoverageTests {
    @Test("a visibility timeout shorter than timeout + batching window is an error with path and fix")
    func shorterThanTimeoutPlusWindow() throws {
        let error = try #require(manifestError(oneFunctionManifest(
            queue: #""visibility_timeout": "12s""#, function: #""timeout": "10s""#, trigger: #""batching_window": "5s""#
        )))
        let diagnostic = try #require(error.errors.first { $0.kind == .visibilityTimeoutTooShort })
        #expect(diagnostic.path == "$.queues[0].visibility_timeout")
        #expect(diagnostic.message.contains("the 10s timeout plus the 5s batching window"))
        #expect(diagnostic.fix.contains("at least 15s"))
    }

    @Test("exactly timeout + batching window is accepted (leases of long batches are renewed)")
    func equalIsAccepted() throws {
        let loaded = try loadManifest(oneFunctionManifest(
            queue: #""visibility_timeout": "15s""#, function: #""timeout": "10s""#, trigger: #""batching_window": "5s""#
        ))
        #expect(loaded.manifest.queues.first?.visibilityTimeout == .seconds(15))
        #expect(loaded.warnings.map(\.kind) == [.visibilityTimeoutBelowAdvice])
    }

    @Test("the sample functions.json passes the rule")
    func sampleManifest() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("functions.json")
        let loaded = try ManifestLoader.parse(try Data(contentsOf: url), fileName: "functions.json", registeredHandlers: nil)
        #expect(!loaded.manifest.functions.isEmpty)
    }
}
