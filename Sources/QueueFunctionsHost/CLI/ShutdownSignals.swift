import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a count that async code can wait on.
final class ShutdownSignals: Sendable {
    private let signal = QueueSignal()
    private let sources: Mutex<[any DispatchSourceSignal]>
    private static let key = "shutdown"

    /// Starts listening for SIGINT and SIGTERM (their default action is disabled).
    init() {
        let signal = self.signal
        let created: [any DispatchSourceSignal] = [SIGINT, SIGTERM].map { number in
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { signal.notify(Self.key) }
            source.resume()
            return source
        }
        sources = Mutex(created)
    }

    /// How many signals have arrived.
    var count: UInt64 { signal.generation(of: Self.key) }

    /// Waits until more than `seen` signals have arrived.
    func wait(after seen: UInt64) async {
        await signal.wait(on: Self.key, ifGeneration: seen)
    }

    /// Stops listening.
    func cancel() {
        sources.withLock { sources in
            for source in sources { source.cancel() }
        }
    }
}
