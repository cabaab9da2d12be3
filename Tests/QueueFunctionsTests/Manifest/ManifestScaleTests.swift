import Foundation
import Testing
@testable import QueueFunctions

/// Validation stays linear in the size of the manifest. Each load runs on a thread of its
/// own, so seconds of parsing in a debug build never starve the suite's cooperative pool.
@Suite("Manifest at scale")
struct ManifestScaleTests {
    /// A manifest with `count` queues, each triggering its own function, each fed by a route,
    /// and `unknown` functions whose trigger names an undeclared queue.
    static func manifest(count: Int, unknown: Int = 0) -> String {
        var queues: [String] = [], functions: [String] = [], producers: [String] = []
        for index in 0..<count {
            queues.append(#"{"name": "queue-\#(index)", "visibility_timeout": "60s"}"#)
            functions.append(#"{"name": "function-\#(index)", "handler": "Worker", "trigger": {"queue": "queue-\#(index)"}, "timeout": "10s"}"#)
            producers.append(#"{"type": "http", "route": "POST /queue-\#(index)", "queue": "queue-\#(index)"}"#)
        }
        for index in 0..<unknown {
            functions.append(#"{"name": "stray-\#(index)", "handler": "Worker", "trigger": {"queue": "missing-\#(index)"}}"#)
        }
        return #"{"queues": [\#(queues.joined(separator: ",\n"))], "functions": [\#(functions.joined(separator: ",\n"))], "#
            + #""producers": [\#(producers.joined(separator: ",\n"))]}"#
    }

    /// Loads `text` off the cooperative pool: the manifest, or the error it raised.
    static func load(_ text: String) async throws -> Result<LoadedManifest, ManifestError> {
        try await offPool {
            Result { () throws(ManifestError) in
                try ManifestLoader.parse(Data(text.utf8), fileName: "functions.json", registeredHandlers: ["Worker"])
            }
        }
    }

    @Test("20,000 queues, functions and routes validate")
    func twentyThousandQueues() async throws {
        let text = Self.manifest(count: 20_000)
        let start = ContinuousClock.now
        let loaded = try await Self.load(text).get()
        print("validated 20,000 queues, functions and routes in \(ContinuousClock.now - start) (debug build)")
        #expect(loaded.manifest.queues.count == 40_000, "each queue gets its implicit dead-letter queue")
        #expect(loaded.manifest.functions.count == 20_000)
        #expect(loaded.manifest.producers.count == 20_000)
    }

    @Test("1,000 triggers on undeclared queues among 5,000 are all reported")
    func manyUnknownQueues() async throws {
        let text = Self.manifest(count: 5_000, unknown: 1_000)
        let start = ContinuousClock.now
        guard case .failure(let error) = try await Self.load(text) else {
            Issue.record("a manifest with undeclared queues loaded")
            return
        }
        print("reported 1,000 unknown queues among 5,000 in \(ContinuousClock.now - start) (debug build)")
        #expect(error.errors.filter { $0.kind == .unknownQueue }.count == 1_000)
        #expect(error.errors.filter { $0.fix.contains("did you mean") }.count <= ManifestValidator.suggestionLimit)
    }
}
