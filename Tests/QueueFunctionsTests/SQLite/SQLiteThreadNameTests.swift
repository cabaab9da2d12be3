import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite

/// An open SQLite store runs two threads of its own; `top -H`, `perf` and `gdb` show them by
/// the names the system holds, which are at most 15 characters (a longer name is refused and
/// the thread kept its creator's, `…default-qos`).
@Suite("SQLite store threads")
struct SQLiteThreadNameTests {
    #if os(Linux)
    @Test("the store thread and the checkpoint thread carry names the system shows")
    func threadsAreNamed() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: ManualClock())
            try await store.send(Data("named".utf8), to: "jobs")
            // The checkpoint thread names itself as it starts, after the store has opened.
            let named = try await becomesTrue { Self.threadNames().isSuperset(of: ["qf-sqlite", "qf-checkpoint"]) }
            #expect(named, "the process's threads: \(Self.threadNames().sorted())")
            await store.close()
        }
    }

    /// The names of this process's threads, from /proc.
    private static func threadNames() -> Set<String> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return Set(tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        })
    }
    #endif
}
