import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost
import SampleFunctions

/// The command line, run in process against a SQLite file in a temporary directory.
@Suite("Command line")
struct CommandTests {
    struct Workspace {
        let directory: URL
        let registry = SampleApp.registry(services: SampleServices())

        init() throws {
            directory = try RepositoryPaths.temporaryDirectory("cli")
            try FileManager.default.copyItem(at: RepositoryPaths.manifest, to: directory.appendingPathComponent("functions.json"))
        }

        var storeArgument: String { "sqlite:\(directory.appendingPathComponent("q.sqlite").path)" }
        var manifestArgument: String { directory.appendingPathComponent("functions.json").path }

        /// Runs a command with this workspace's manifest and store.
        func run(_ words: [String]) async -> (code: Int32, out: String, err: String) {
            let captured = CapturedOutput()
            let code = await QueueFunctionsCommand.run(
                arguments: words + ["--manifest", manifestArgument, "--store", storeArgument],
                registry: registry, output: captured.output
            )
            return (code, captured.stdout, captured.stderr)
        }

        func json(_ text: String) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try #require(object as? [String: Any])
        }

        func cleanUp() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test("validate accepts the sample manifest")
    func validate() async throws {
        let workspace = try Workspace()
        let result = await workspace.run(["validate"])
        #expect(result.code == CommandExitCode.success)
        #expect(result.out.contains("is valid: 22 queues, 11 functions, 2 producers, 0 warning(s)"))
        workspace.cleanUp()
    }

    @Test("validate reports every error of a broken manifest with its JSON path and exits 3")
    func validateErrors() async throws {
        let workspace = try Workspace()
        let broken = """
        {"queues": [{"name": "jobs", "max_recieve_count": 5}],
         "functions": [{"name": "f", "handler": "ImportProcesor", "trigger": {"queue": "jobz", "batch_size": 0}}]}
        """
        try broken.write(to: workspace.directory.appendingPathComponent("functions.json"), atomically: true, encoding: .utf8)
        let result = await workspace.run(["validate"])
        #expect(result.code == CommandExitCode.invalidManifest)
        #expect(result.err.contains("$.queues[0].max_recieve_count"))
        #expect(result.err.contains("did you mean \"max_receive_count\""))
        #expect(result.err.contains("$.functions[0].handler"))
        #expect(result.err.contains("ImportProcessor"))
        #expect(result.err.contains("$.functions[0].trigger.queue"))
        #expect(result.err.contains("$.functions[0].trigger.batch_size"))
        workspace.cleanUp()
    }

    @Test("send then status --json: the numbers match what was sent")
    func sendAndStatus() async throws {
        let workspace = try Workspace()
        for index in 0..<3 {
            let sent = await workspace.run(["send", "import-jobs", "{\"import_id\":\"i\(index)\",\"object\":\"x\"}"])
            #expect(sent.code == CommandExitCode.success, "send \(index) failed: \(sent.err)")
            #expect(sent.out.trimmingCharacters(in: .whitespacesAndNewlines).count == 36)
        }
        let bodyFile = workspace.directory.appendingPathComponent("order.json")
        try "{\"order_id\":\"o\"}".write(to: bodyFile, atomically: true, encoding: .utf8)
        let fromFile = await workspace.run(["send", "orders", "@\(bodyFile.path)", "--delay", "1m", "--json"])
        #expect(fromFile.code == CommandExitCode.success)
        #expect(try workspace.json(fromFile.out)["delay_seconds"] as? Double == 60)

        let status = await workspace.run(["status", "--json"])
        #expect(status.code == CommandExitCode.success)
        let report = try workspace.json(status.out)
        let queues = try #require(report["queues"] as? [[String: Any]])
        let imports = try #require(queues.first { $0["name"] as? String == "import-jobs" })
        #expect(imports["visible"] as? Int == 3)
        #expect(imports["in_flight"] as? Int == 0)
        let orders = try #require(queues.first { $0["name"] as? String == "orders" })
        #expect(orders["delayed"] as? Int == 1)
        #expect((report["functions"] as? [[String: Any]])?.count == 11)
        #expect(report["host_reachable"] as? Bool == false)

        let human = await workspace.run(["status"])
        #expect(human.out.contains("import-jobs"))
        #expect(human.out.contains("VISIBLE"))
        workspace.cleanUp()
    }

    @Test("dlq list, redrive and purge work on the dead-letter queue of a source queue")
    func deadLetterCommands() async throws {
        let workspace = try Workspace()
        let store = try await SQLiteQueueStore(path: workspace.directory.appendingPathComponent("q.sqlite").path)
        let id = try await store.send(Data("{\"bad\":true}".utf8), to: "import-jobs")
        let lease = try #require(try await store.receive(from: "import-jobs", maxCount: 1, visibilityTimeout: .seconds(30)).first)
        _ = try await store.deadLetter(lease.token, to: "import-jobs-dlq", failure: FailureRecord(attempt: 1, at: Date(), error: "missing field 'import_id'"))
        await store.close()

        let listed = await workspace.run(["dlq", "list", "import-jobs", "--json"])
        #expect(listed.code == CommandExitCode.success)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["id"] as? String == id.rawValue)
        #expect(rows.first?["source_queue"] as? String == "import-jobs")
        #expect(rows.first?["reason"] as? String == "missing field 'import_id'")

        let human = await workspace.run(["dlq", "list", "import-jobs-dlq"])
        #expect(human.out.contains(id.rawValue))

        let refused = await workspace.run(["dlq", "purge", "import-jobs"])
        #expect(refused.code == CommandExitCode.usage)
        #expect(refused.err.contains("--yes"))

        let redriven = await workspace.run(["dlq", "redrive", "import-jobs"])
        #expect(redriven.code == CommandExitCode.success)
        #expect(redriven.out.contains("moved 1 message(s)"))
        let status = try workspace.json(await workspace.run(["status", "--json"]).out)
        let queues = try #require(status["queues"] as? [[String: Any]])
        #expect(queues.first { $0["name"] as? String == "import-jobs" }?["visible"] as? Int == 1)

        _ = await workspace.run(["send", "import-jobs-dlq", "{}"])
        let purged = await workspace.run(["dlq", "purge", "import-jobs", "--yes"])
        #expect(purged.code == CommandExitCode.success)
        #expect(purged.out.contains("deleted 1 message(s)"))
        workspace.cleanUp()
    }

    @Test("bad command lines exit 2 with a suggestion; unknown queues exit 1 with the known ones")
    func badInput() async throws {
        let workspace = try Workspace()
        let command = await workspace.run(["stauts"])
        #expect(command.code == CommandExitCode.usage)
        #expect(command.err.contains("did you mean 'status'"))
        let option = await workspace.run(["status", "--jsn"])
        #expect(option.code == CommandExitCode.usage)
        #expect(option.err.contains("did you mean '--json'"))
        let missing = await workspace.run(["send", "orders"])
        #expect(missing.code == CommandExitCode.usage)
        #expect(missing.err.contains("missing the message body"))
        let queue = await workspace.run(["send", "order", "{}"])
        #expect(queue.code == CommandExitCode.failure)
        #expect(queue.err.contains("did you mean 'orders'"))
        let delay = await workspace.run(["send", "orders", "{}", "--delay", "soon"])
        #expect(delay.code == CommandExitCode.usage)
        let help = await workspace.run(["dlq", "--help"])
        #expect(help.code == CommandExitCode.success)
        #expect(help.out.contains("dlq redrive QUEUE"))
        workspace.cleanUp()
    }

    @Test("QUEUEFUNCTIONS_SQLITE_SYNCHRONOUS takes normal or full; anything else is a usage error")
    func synchronousSetting() async throws {
        let workspace = try Workspace()
        for (value, expected) in [("full", CommandExitCode.success), ("normal", CommandExitCode.success), ("sometimes", CommandExitCode.usage)] {
            let captured = CapturedOutput()
            let code = await QueueFunctionsCommand.run(
                arguments: ["send", "orders", "{}", "--manifest", workspace.manifestArgument, "--store", workspace.storeArgument],
                registry: workspace.registry, environment: ["QUEUEFUNCTIONS_SQLITE_SYNCHRONOUS": value], output: captured.output
            )
            #expect(code == expected, "\(value): \(captured.stderr)")
            if expected == CommandExitCode.usage { #expect(captured.stderr.contains("use normal (the default) or full")) }
        }
        workspace.cleanUp()
    }

    @Test("simulate prints the runs; --json is parseable; a missing workload is a clear failure")
    func simulate() async throws {
        let workspace = try Workspace()
        let workload = RepositoryPaths.root.appendingPathComponent("Samples/workloads/burst.json").path
        let table = await workspace.run(["simulate", workload])
        #expect(table.code == CommandExitCode.success)
        #expect(table.out.contains("autoscaled") && table.out.contains("fixed min") && table.out.contains("worker-seconds"))
        let json = await workspace.run(["simulate", workload, "--function", "process-import", "--json"])
        #expect(json.code == CommandExitCode.success, "\(json.err)")
        let report = try workspace.json(json.out)
        // burst.json declares a dependency with a breaker and an outage: a fourth run without the breaker.
        #expect((report["runs"] as? [[String: Any]])?.count == 4)
        let missing = await workspace.run(["simulate", workspace.directory.appendingPathComponent("nope.json").path])
        #expect(missing.code == CommandExitCode.failure)
        #expect(missing.err.contains("nope.json"))
        let unknown = await workspace.run(["simulate", workload, "--function", "process-imports"])
        #expect(unknown.code == CommandExitCode.failure)
        #expect(unknown.err.contains("did you mean 'process-import'"))
        workspace.cleanUp()
    }

    @Test("simulate builds a workload from flags; bad flags are usage errors naming the flag")
    func simulateFlags() async throws {
        let workspace = try Workspace()
        let result = await workspace.run([
            "simulate", "--burst", "300@1s,100@20s", "--steady", "5@0s-30s", "--outage", "10s-12s",
            "--handler-duration", "20ms-40ms", "--seed", "3", "--json",
        ])
        #expect(result.code == CommandExitCode.success, "\(result.err)")
        let report = try workspace.json(result.out)
        #expect(report["messages"] as? Int == 550)
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.allSatisfy { ($0["handled"] as? Int ?? 0) + ($0["dead_lettered"] as? Int ?? 0) == 550 })
        for (flags, expected) in [(["--burst", "many"], "--burst 'many'"), (["--outage", "30s-10s"], "must end after"),
                                  (["--steady", "5@0s"], "FROM-TO"), ([] as [String], "workload file or workload flags")] {
            let bad = await workspace.run(["simulate"] + flags)
            #expect(bad.code == CommandExitCode.usage)
            #expect(bad.err.contains(expected), "\(flags): \(bad.err)")
        }
        workspace.cleanUp()
    }

    @Test("a store file that is not a database exits 4 and names the file")
    func unusableStore() async throws {
        let workspace = try Workspace()
        let file = workspace.directory.appendingPathComponent("notes.sqlite")
        try "just some text, not a database".write(to: file, atomically: true, encoding: .utf8)
        let captured = CapturedOutput()
        let code = await QueueFunctionsCommand.run(
            arguments: ["status", "--manifest", workspace.manifestArgument, "--store", "sqlite:\(file.path)"],
            registry: workspace.registry, output: captured.output
        )
        #expect(code == CommandExitCode.storeUnusable)
        #expect(captured.stderr.contains(file.path))
        workspace.cleanUp()
    }
}
