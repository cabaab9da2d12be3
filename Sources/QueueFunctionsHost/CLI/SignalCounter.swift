import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Dispatch
import Foundation
import Synchronization

/// Turns signals (SIGINT and SIGTERM, or SIGHUP) into a count that async code can wait on.
final class SignalCounter: Sendable {
    private let signal = QueueSignal()
    private let sources: Mutex<[any DispatchSourceSignal]>
    private static let key = "signals"

    /// Starts listening for `numbers` (their default action is disabled).
    init(_ numbers: [Int32] = [SIGINT, SIGTERM]) {
        let signal = self.signal
        let created: [any DispatchSourceSignal] = numbers.map { number in
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

    /// Stops listening. The signals stay ignored: one arriving while the process ends is harmless.
    func cancel() {
        sources.withLock { sources in
            for source in sources { source.cancel() }
        }
    }
}
