import Foundation

/// `simulate WORKLOAD`: replays a workload on a virtual clock.
enum SimulateCommand {
    static func run(_ context: CommandContext) async throws {
        throw CommandError.failed("simulate is not available in this build yet")
    }
}
