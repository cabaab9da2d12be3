import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Manifest loading")
struct ManifestLoaderTests {
    static let fullManifest = """
    {
      "$schema": "./Samples/functions.schema.json",
      "host": {"max_workers": 32, "idle_poll_interval": "250ms", "shutdown_grace_period": "20s", "idempotency_window": "10m"},
      "queues": [
        {"name": "import-jobs", "dead_letter_queue": "import-jobs-dlq", "max_receive_count": 7, "visibility_timeout": "2m"},
        {"name": "import-jobs-dlq"}
      ],
      "functions": [
        {"name": "process-import", "handler": "ImportProcessor",
         "trigger": {"queue": "import-jobs", "batch_size": 25, "batching_window": "2s"},
         "timeout": "15s",
         "retry": {"initial_delay": "500ms", "max_delay": "1m", "multiplier": 3, "jitter": 0.25},
         "scale": {"min_workers": 1, "max_workers": 12, "target_backlog_per_worker": 40, "scale_interval": "2s",
                   "max_scale_up_step": 2, "scale_down_stabilization": "1m"}}
      ],
      "producers": [{"type": "http", "route": "POST /imports", "queue": "import-jobs", "idempotency_field": "import_id"}]
    }
    """

    @Test func fullManifestParsesToTheModel() throws {
        let loaded = try loadManifest(Self.fullManifest, handlers: ["ImportProcessor"])
        let expected = Manifest(
            queues: [
                QueueConfig(name: "import-jobs", deadLetterQueue: "import-jobs-dlq", maxReceiveCount: 7, visibilityTimeout: .seconds(120)),
                QueueConfig(name: "import-jobs-dlq", deadLetterQueue: nil),
            ],
            functions: [
                FunctionConfig(
                    name: "process-import", handler: "ImportProcessor",
                    trigger: TriggerConfig(queue: "import-jobs", batchSize: 25, batchingWindow: .seconds(2)),
                    timeout: .seconds(15),
                    retry: RetryPolicy(initialDelay: .milliseconds(500), maxDelay: .seconds(60), multiplier: 3, jitter: 0.25),
                    scale: ScaleConfig(
                        minWorkers: 1, maxWorkers: 12, targetBacklogPerWorker: 40, scaleInterval: .seconds(2),
                        maxScaleUpStep: 2, scaleDownStabilization: .seconds(60)
                    )
                )
            ],
            producers: [ProducerConfig(method: "POST", path: "/imports", queue: "import-jobs", idempotencyField: "import_id")],
            host: HostConfig(
                maxWorkers: 32, idlePollInterval: .milliseconds(250), shutdownGracePeriod: .seconds(20), idempotencyWindow: .seconds(600)
            )
        )
        #expect(loaded.manifest == expected)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test func omittedKeysTakeTheirDefaults() throws {
        let loaded = try loadManifest(oneFunctionManifest(), handlers: ["Worker"])
        #expect(loaded.manifest.functions == [FunctionConfig(name: "work", handler: "Worker", trigger: TriggerConfig(queue: "jobs"))])
        #expect(loaded.manifest.functions.first?.trigger.batchSize == 10)
        #expect(loaded.manifest.functions.first?.timeout == .seconds(5))
        #expect(loaded.manifest.functions.first?.retry == RetryPolicy())
        #expect(loaded.manifest.functions.first?.scale == ScaleConfig())
        #expect(loaded.manifest.host == HostConfig())
        #expect(loaded.manifest.producers.isEmpty)
        #expect(loaded.manifest.queue(named: "jobs") == QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq"))
    }

    @Test func handlerChecksAreSkippedWithoutARegistry() throws {
        let loaded = try loadManifest(oneFunctionManifest(), handlers: nil)
        #expect(loaded.manifest.functions.first?.handler == "Worker")
    }

    @Test(arguments: [
        ("\"500ms\"", Duration.milliseconds(500)),
        ("\"30s\"", .seconds(30)),
        ("\"5m\"", .seconds(300)),
        ("\"1h\"", .seconds(3600)),
        ("\"1.5s\"", .milliseconds(1500)),
        ("\"20\"", .seconds(20)),
        ("2.5", .milliseconds(2500)),
        ("7", .seconds(7)),
    ])
    func durationForms(written: String, expected: Duration) throws {
        let loaded = try loadManifest(oneFunctionManifest(queue: "\"visibility_timeout\": \"12h\"", function: "\"timeout\": \(written)"))
        #expect(loaded.manifest.functions.first?.timeout == expected)
    }

    @Test(arguments: ["\"5x\"", "\"-1s\"", "-1", "true", "\"\"", "{}"])
    func invalidDurationsAreErrors(written: String) throws {
        let error = try #require(manifestError(oneFunctionManifest(function: "\"timeout\": \(written)")))
        let diagnostic = try #require(error.errors.first)
        #expect(error.errors.count == 1)
        #expect(diagnostic.path == "$.functions[0].timeout")
        #expect(diagnostic.line == 3)
        #expect(diagnostic.fix.contains("30s"))
    }

    @Test func loadsFromAFileAndNamesItInErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("functions.json")
        try Data(Self.fullManifest.utf8).write(to: url)
        let loaded = try ManifestLoader.load(contentsOf: url, registeredHandlers: ["ImportProcessor"])
        #expect(loaded.manifest.functions.count == 1)

        try Data(#"{"queues": [], "functions": [], "extra": 1}"#.utf8).write(to: url)
        #expect {
            try ManifestLoader.load(contentsOf: url, registeredHandlers: nil)
        } throws: { error in
            guard let error = error as? ManifestError else { return false }
            return error.description.hasPrefix("\(url.relativePath):1:33: error: $.extra: unknown key \"extra\"")
        }
    }

    @Test func missingFileAndDirectoryAreClearErrors() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/functions.json")
        do {
            _ = try ManifestLoader.load(contentsOf: missing, registeredHandlers: nil)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == missing.relativePath)
            #expect(error.diagnostics.first?.kind == .unreadableFile)
            #expect(error.description.contains("does not exist"))
            #expect(error.description.contains("--manifest"))
        }
        do {
            _ = try ManifestLoader.load(contentsOf: FileManager.default.temporaryDirectory, registeredHandlers: nil)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("is a directory"))
        }
    }

    @Test func invalidUTF8IsReportedWithItsPosition() throws {
        var data = Data("{\n  \"queues\": [\"".utf8)
        data.append(0xFF)
        data.append(contentsOf: Data("\"]}".utf8))
        do {
            _ = try ManifestLoader.parse(data, fileName: "functions.json", registeredHandlers: nil)
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.first?.kind == .unreadableFile)
            #expect(error.diagnostics.first?.line == 2)
            #expect(error.diagnostics.first?.column == 15)
            #expect(error.description.contains("UTF-8"))
        }
    }
}
