import Foundation
import Testing
@testable import QueueFunctionsGateway
import QueueFunctions
import QueueFunctionsSQLite

/// `/api/host`'s `store_status` says where the store is, so an operator knows which file
/// or server an outage is about.
@Suite("Store location in the host's status")
struct StoreLocationTests {
    @Test("a SQLite host names its queue file; a memory host names its engine")
    func namesTheStore() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.url.appendingPathComponent("queues.sqlite").path
            let sqlite = try await SQLiteQueueStore(path: path)
            let onFile = try FunctionHost(manifest: Manifest(queues: [QueueConfig(name: "jobs")], functions: []),
                                          registry: FunctionRegistry(), store: sqlite, logger: .disabled)
            #expect(StoreReachability().status(of: onFile).location == path)
            await sqlite.close()
        }
        let inMemory = try FunctionHost(manifest: Manifest(queues: [QueueConfig(name: "jobs")], functions: []),
                                        registry: FunctionRegistry(), store: MemoryQueueStore(), logger: .disabled)
        #expect(StoreReachability().status(of: inMemory).location == "memory")
    }
}
