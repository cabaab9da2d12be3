import Foundation
import Testing

extension ProcessTests {
    /// Unusable stores, invalid manifests and wrong command lines, as a user meets them:
    /// a meaningful exit code and a message that names the culprit.
    @Suite("bad stores, manifests and command lines")
    struct BadInputTests {
        static let storeCommands: [[String]] = [
            ["status"], ["send", "audit-events", #"{"kind":"k","subject":"s"}"#], ["dlq", "list", "audit-events"], ["serve", "--port", "0"],
        ]

        @Test("a store file that is not a database: exit 4, the file named and left alone", arguments: storeCommands)
        func storeFileIsNotADatabase(_ command: [String]) async throws {
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let text = "my notes, not a database\n"
                let file = try sandbox.write(text, to: "notes.txt")
                let run = try await sandbox.run(command + ["--store", "sqlite:\(file)", "--manifest", sandbox.manifestPath])
                #expect(run.exitCode == 4, "\(run)")
                #expect(run.stderr.contains(file), "the error should name the file: \(run)")
                #expect(try String(contentsOfFile: file, encoding: .utf8) == text, "the file was changed")
            }
        }

        @Test("a store whose folder cannot be created: exit 4, naming the file in the way", arguments: storeCommands)
        func storeFolderCannotBeCreated(_ command: [String]) async throws {
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let blocker = try sandbox.write("a plain file\n", to: "blocker")
                let store = blocker + "/queues/queues.sqlite"
                let run = try await sandbox.run(command + ["--store", "sqlite:\(store)", "--manifest", sandbox.manifestPath])
                #expect(run.exitCode == 4, "\(run)")
                #expect(run.stderr.contains(store), "the error should name the store: \(run)")
                #expect(run.stderr.contains("\(blocker) is a file, not a directory"), "the error should say what is in the way: \(run)")
            }
        }

        @Test("an invalid manifest: validate exits 3 and reports every error with its JSON path", .timeLimit(.minutes(2)))
        func invalidManifest() async throws {
            try await withSampleHostSandbox { sandbox in
                let broken = try BrokenManifest()
                try sandbox.writeManifest(broken.json)

                let human = try await sandbox.run(["validate", "--manifest", sandbox.manifestPath])
                #expect(human.exitCode == 3, "\(human)")
                let printed = human.stdout + human.stderr
                for path in broken.errorPaths {
                    #expect(printed.contains("error: \(path):"), "no error for \(path): \(human)")
                }
                #expect(printed.contains(#"did you mean "AuditLogWriter"?"#), "\(human)")
                #expect(printed.contains(#"did you mean "visibility_timeout"?"#), "\(human)")

                let json = try await sandbox.run(["validate", "--manifest", sandbox.manifestPath, "--json"])
                #expect(json.exitCode == 3, "\(json)")
                let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
                #expect(report?["valid"] as? Bool == false)
                let errors = report?["errors"] as? [[String: Any]] ?? []
                let paths = Set(errors.compactMap { $0["path"] as? String })
                #expect(paths.isSuperset(of: broken.errorPaths), "errors reported: \(paths)")
                #expect(errors.allSatisfy { ($0["fix"] as? String)?.isEmpty == false && $0["line"] is Int }, "\(errors)")

                // serve refuses before it touches the store.
                let serve = try await sandbox.run(["serve", "--port", "0", "--store", sandbox.store, "--manifest", sandbox.manifestPath])
                #expect(serve.exitCode == 3, "\(serve)")
                #expect(!FileManager.default.fileExists(atPath: sandbox.storePath), "serve created the store of an invalid manifest")
            }
        }

        @Test("a wrong command line exits 2 with a suggestion", arguments: [
            (["stauts"], "did you mean 'status'?"),
            (["status", "--jsn"], "did you mean '--json'?"),
            (["send"], "missing the queue name"),
        ])
        func wrongCommandLine(_ arguments: [String], _ hint: String) async throws {
            try await withSampleHostSandbox { sandbox in
                try sandbox.writeManifest(try SampleManifest().json())
                let run = try await sandbox.run(arguments + ["--manifest", sandbox.manifestPath, "--store", sandbox.store])
                #expect(run.exitCode == 2, "\(run)")
                #expect(run.stderr.contains(hint), "\(run)")
            }
        }
    }
}

/// The repo's manifest with four mistakes, and the JSON path of each error they cause.
private struct BrokenManifest {
    var json: String
    var errorPaths: [String]

    init() throws {
        var root = try JSONSerialization.jsonObject(with: Data(try SampleManifest().json().utf8)) as? [String: Any] ?? [:]
        var queues = root["queues"] as? [[String: Any]] ?? []
        var functions = root["functions"] as? [[String: Any]] ?? []
        guard let queue = queues.firstIndex(where: { $0["name"] as? String == "audit-events" }),
              let function = functions.firstIndex(where: { $0["name"] as? String == "write-audit-log" }) else {
            throw ProcessTestFailure("functions.json no longer has audit-events and write-audit-log")
        }
        queues[queue]["visiblity_timeout"] = "40s"
        functions[function]["handler"] = "AuditLogWritr"
        functions[function]["trigger"] = ["queue": "audit-event", "batch_size": 0]
        root["queues"] = queues
        root["functions"] = functions
        json = String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
        errorPaths = [
            "$.queues[\(queue)].visiblity_timeout",
            "$.functions[\(function)].handler",
            "$.functions[\(function)].trigger.queue",
            "$.functions[\(function)].trigger.batch_size",
        ]
    }
}
