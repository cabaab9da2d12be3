import Foundation
import Testing
@testable import QueueFunctions

@Suite("Manifest: dependencies")
struct DependencyManifestTests {
    private static func manifest(dependencies: String, uses: String) -> String {
        """
        {"queues": [{"name": "invoice-jobs"}],
         "dependencies": \(dependencies),
         "functions": [{"name": "generate-invoice", "handler": "H", "trigger": {"queue": "invoice-jobs"}, "dependencies": \(uses)}]}
        """
    }

    @Test("dependencies and the names functions use are read with their limits and breaker")
    func reads() throws {
        let loaded = try loadManifest(Self.manifest(dependencies: """
            [{"name": "billing-api", "max_concurrency": 4, "rate": "50/s", "burst": 10,
              "breaker": {"failure_ratio": 0.5, "minimum_calls": 20, "window": "30s", "open_for": "10s"}},
             {"name": "mailer", "breaker": {"enabled": false}}]
            """, uses: #"["billing-api", "mailer"]"#))
        let manifest = loaded.manifest
        #expect(manifest.function(named: "generate-invoice")?.dependencies == ["billing-api", "mailer"])
        let billing = try #require(manifest.dependencies.first)
        #expect(billing.name == "billing-api" && billing.maxConcurrency == 4 && billing.burst == 10)
        #expect(billing.rate == DependencyRate(count: 50, per: .seconds(1)))
        #expect(billing.breaker == BreakerConfig(failureRatio: 0.5, minimumCalls: 20, window: .seconds(30), openFor: .seconds(10)))
        #expect(manifest.dependencies.last?.breaker.enabled == false)
    }

    @Test("an unknown dependency name gets a did-you-mean with its line and path")
    func unknownName() throws {
        let error = try #require(throws: ManifestError.self) {
            try loadManifest(Self.manifest(dependencies: #"[{"name": "billing-api"}]"#, uses: #"["biling-api"]"#))
        }
        let text = "\(error)"
        #expect(text.contains("functions.json:3:"), "\(text)")
        #expect(text.contains("$.functions[0].dependencies[0]"), "\(text)")
        #expect(text.contains(#"did you mean "billing-api""#), "\(text)")
    }

    @Test("wrong values are each reported with a fix, all at once")
    func wrongValues() throws {
        let error = try #require(throws: ManifestError.self) {
            try loadManifest(Self.manifest(dependencies: """
                [{"name": "a", "rate": "fast", "max_concurrency": 0, "breaker": {"failure_ratio": 2, "open_fo": "1s"}},
                 {"name": "a", "burst": 3, "rate": 50}]
                """, uses: #"["a", 7]"#))
        }
        let text = "\(error)"
        for expected in ["$.dependencies[0].rate", "$.dependencies[0].max_concurrency", "$.dependencies[0].breaker.failure_ratio",
                         #"did you mean "open_for""#, "$.dependencies[1].name", "$.dependencies[1].rate", "$.functions[0].dependencies[1]"] {
            #expect(text.contains(expected), "missing \(expected) in \(text)")
        }
    }

    @Test("the shipped schema knows the dependency keys")
    func schema() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples/functions.schema.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        for key in ManifestKeys.dependency + ManifestKeys.breaker { #expect(text.contains("\"\(key)\""), "\(key)") }
        #expect(text.contains("\"dependencies\""))
    }
}
