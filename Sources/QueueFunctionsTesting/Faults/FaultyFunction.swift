import Foundation
import QueueFunctions
import Synchronization

/// Wraps a ``QueueFunction`` and injects ``HandlerFault``s into its invocations: throw,
/// hang, ignore cancellation, crash. Each invocation (one batch) asks every fault's
/// trigger once, in order; the first that fires decides.
///
/// ```swift
/// let faulty = FaultyFunction(wrapping: ImportProcessor(), seed: 3, [
///     .throwing(when: .rate(0.1)),
///     .hanging(when: .onCall(2)),
/// ])
/// let host = try TestHost(function: faulty, queue: QueueConfig(name: "imports"))
/// ```
///
/// Copies share their counters and triggers, so the counts hold for every worker.
public struct FaultyFunction<Wrapped: QueueFunction>: QueueFunction {
    /// The wrapped function's message type.
    public typealias Message = Wrapped.Message

    /// What a ``FaultyFunction`` has injected so far.
    public struct Counts: Sendable, Equatable {
        /// Invocations that reached the wrapper.
        public var invocations = 0
        /// Invocations that threw ``InjectedHandlerError``.
        public var thrown = 0
        /// Invocations that hung until cancelled.
        public var hung = 0
        /// Invocations that ignored cancellation for a while.
        public var ignoredCancellation = 0
        /// Invocations that threw ``SimulatedCrash``.
        public var crashed = 0
    }

    private final class Shared: Sendable {
        struct State {
            var random: SplitMix64
            var calls: [Int]
            var counts = Counts()
        }

        let faults: [HandlerFault]
        let state: Mutex<State>

        init(faults: [HandlerFault], seed: UInt64) {
            self.faults = faults
            state = Mutex(State(random: SplitMix64(seed: seed), calls: Array(repeating: 0, count: faults.count)))
        }
    }

    /// The function that does the work.
    public let wrapped: Wrapped
    private let shared: Shared

    /// Wraps `wrapped`, injecting `faults`; `seed` seeds ``FaultTrigger/rate(_:)``.
    public init(wrapping wrapped: Wrapped, seed: UInt64 = 1, _ faults: [HandlerFault]) {
        self.wrapped = wrapped
        shared = Shared(faults: faults, seed: seed)
    }

    /// What has been injected so far, over every copy.
    public var counts: Counts { shared.state.withLock { $0.counts } }

    /// Decodes as the wrapped function does.
    public static func decodeMessage(_ body: Data, using decoder: JSONDecoder) throws -> Message {
        try Wrapped.decodeMessage(body, using: decoder)
    }

    /// Runs the wrapped handler, unless a fault fires first.
    public func handle(_ batch: MessageBatch<Message>, context: FunctionContext) async throws {
        let now = context.clock.now()
        let (invocation, effect): (Int, HandlerFault.Effect?) = shared.state.withLock { state in
            state.counts.invocations += 1
            var chosen: HandlerFault.Effect?
            for (index, fault) in shared.faults.enumerated() {
                state.calls[index] += 1
                guard chosen == nil, Self.fires(fault.trigger, call: state.calls[index], now: now, random: &state.random) else { continue }
                chosen = fault.effect
                switch fault.effect {
                case .throwing: state.counts.thrown += 1
                case .hanging: state.counts.hung += 1
                case .ignoringCancellation: state.counts.ignoredCancellation += 1
                case .crashing: state.counts.crashed += 1
                }
            }
            return (state.counts.invocations, chosen)
        }
        switch effect {
        case nil:
            break
        case .throwing:
            throw InjectedHandlerError(function: context.functionName, invocation: invocation)
        case .crashing:
            throw SimulatedCrash(function: context.functionName, invocation: invocation)
        case .hanging:
            try await Self.hangUntilCancelled()
        case .ignoringCancellation(let duration):
            let clock = context.clock
            // An unstructured task does not inherit cancellation: this wait cannot be cut short.
            await Task { try? await clock.sleep(for: duration) }.value
            try Task.checkCancellation()
        }
        try await wrapped.handle(batch, context: context)
    }

    private static func fires(_ trigger: FaultTrigger, call: Int, now: Date, random: inout SplitMix64) -> Bool {
        switch trigger.kind {
        case .always: true
        case .rate(let share): share > 0 && random.unit() < share
        case .onCall(let n): call == n
        case .every(let n): n > 0 && call % n == 0
        case .between(let start, let end): now >= start && now < end
        }
    }

    private static func hangUntilCancelled() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Never.self)
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
        throw CancellationError()
    }
}
