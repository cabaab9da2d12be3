import Foundation
import Testing
@testable import QueueFunctions

/// Validation stays linear in the size of the manifest.
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

    @Test("20,000 queues, functions and routes validate")
    func twentyThousandQueues() throws {
        let text = Self.manifest(count: 20_000)
        let start = ContinuousClock.now
        let loaded = try ManifestLoader.parse(Data(text.utf8), fileName: "functions.json", registeredHandlers: ["Worker"])
        print("validated 20,000 queues, functions and routes in \(ContinuousClock.now - start)")
        #expect(loaded.manifest.queues.count == 40_000, "each queue gets its implicit dead-letter queue")
        #expect(loaded.manifest.functions.count == 20_000)
        #expect(loaded.manifest.producers.count == 20_000)
    }

    @Test("2,000 triggers on undeclared queues are all reported")
    func manyUnknownQueues() throws {
        let text = Self.manifest(count: 20_000, unknown: 2_000)
        let start = ContinuousClock.now
        let error = try #require(throws: ManifestError.self) {
            try ManifestLoader.parse(Data(text.utf8), fileName: "functions.json", registeredHandlers: ["Worker"])
        }
        print("reported 2,000 unknown queues among 20,000 in \(ContinuousClock.now - start)")
        #expect(error.errors.filter { $0.kind == .unknownQueue }.count == 2_000)
    }
}
