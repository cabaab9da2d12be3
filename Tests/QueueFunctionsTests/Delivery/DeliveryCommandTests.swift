import Foundation
import Testing
import QueueFunctions
import QueueFunctionsHost

/// `send --at/--priority/--group/--deduplication-id`, `cancel`, and scheduled counts in `status`.
@Suite("Delivery options: command line")
struct DeliveryCommandTests {
    @Test("send --at schedules, status counts it, cancel deletes it once")
    func scheduleStatusCancel() async throws {
        let workspace = try CommandTests.Workspace()
        defer { workspace.cleanUp() }
        let sent = await workspace.run(["send", "import-jobs", #"{"url": "https://example.com/a.csv"}"#,
                                        "--at", "2199-12-01T09:00:00Z", "--priority", "3", "--json"])
        #expect(sent.code == CommandExitCode.success, "\(sent.err)")
        let sentJSON = try workspace.json(sent.out)
        let id = try #require(sentJSON["id"] as? String)
        #expect(sentJSON["priority"] as? Int == 3 && sentJSON["at"] as? String == "2199-12-01T09:00:00Z")
        let status = try workspace.json(await workspace.run(["status", "--json", "--port", "1"]).out)
        let row = try #require((status["queues"] as? [[String: Any]])?.first { $0["name"] as? String == "import-jobs" })
        #expect(row["scheduled"] as? Int == 1 && row["fifo"] as? Bool == false)
        let cancelled = await workspace.run(["cancel", "import-jobs", id])
        #expect(cancelled.code == CommandExitCode.success && cancelled.out.contains("cancelled \(id)"))
        let again = await workspace.run(["cancel", "import-jobs", id])
        #expect(again.code == CommandExitCode.failure && again.err.contains("no message \(id) waits"))
    }

    @Test("bad values exit 2 naming the flag and the fix; a FIFO queue deduplicates by --deduplication-id")
    func badValuesAndFIFO() async throws {
        let workspace = try CommandTests.Workspace()
        defer { workspace.cleanUp() }
        let badTime = await workspace.run(["send", "import-jobs", "{}", "--at", "next tuesday"])
        #expect(badTime.code == CommandExitCode.usage && badTime.err.contains("--at") && badTime.err.contains("2026-12-01T09:00:00Z"))
        let badPriority = await workspace.run(["send", "import-jobs", "{}", "--priority", "10"])
        #expect(badPriority.code == CommandExitCode.usage && badPriority.err.contains("0…9"))
        let group = await workspace.run(["send", "import-jobs", "{}", "--group", "g"])
        #expect(group.code == CommandExitCode.usage && group.err.contains(#""fifo": true"#))
        // The sample manifest with import-jobs made a FIFO queue of default priority 2.
        let manifestURL = workspace.directory.appendingPathComponent("functions.json")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        var queues = try #require(manifest["queues"] as? [[String: Any]])
        let index = try #require(queues.firstIndex { $0["name"] as? String == "import-jobs" })
        queues[index]["fifo"] = true
        queues[index]["default_priority"] = 2
        manifest["queues"] = queues
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let noGroup = await workspace.run(["send", "import-jobs", "{}"])
        #expect(noGroup.code == CommandExitCode.usage && noGroup.err.contains("--group"), "\(noGroup.err)")
        let first = await workspace.run(["send", "import-jobs", "{}", "--group", "c1", "--deduplication-id", "o1", "--json"])
        let second = await workspace.run(["send", "import-jobs", "{}", "--group", "c1", "--deduplication-id", "o1", "--json"])
        let firstJSON = try workspace.json(first.out), secondJSON = try workspace.json(second.out)
        #expect(firstJSON["id"] as? String == secondJSON["id"] as? String)
        #expect(firstJSON["duplicate"] as? Bool == false && secondJSON["duplicate"] as? Bool == true)
        #expect(firstJSON["priority"] as? Int == 2)
    }
}
