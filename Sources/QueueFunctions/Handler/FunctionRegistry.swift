import Foundation

/// The handlers a host can run, by name. `functions.json` refers to these names.
///
/// ```swift
/// var registry = FunctionRegistry()
/// registry.register("ImportProcessor") { ImportProcessor(storage: .shared) }
/// ```
public struct FunctionRegistry: Sendable {
    /// One registered handler, type-erased.
    public struct Entry: Sendable {
        /// The name the manifest uses.
        public let name: String
        /// The handler's Swift type name.
        public let typeName: String
        /// The message type's Swift name.
        public let messageTypeName: String
        let makeInvoker: @Sendable () async throws -> any FunctionInvoker
    }

    private(set) var entries: [String: Entry] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Registers a handler under `name`. `factory` runs once per worker task when it
    /// starts (a cold start), so every worker owns its own instance.
    public mutating func register<Function: QueueFunction>(
        _ name: String, factory: @escaping @Sendable () async throws -> Function
    ) {
        entries[name] = Entry(
            name: name,
            typeName: String(describing: Function.self),
            messageTypeName: String(describing: Function.Message.self),
            makeInvoker: { TypedInvoker(function: try await factory()) }
        )
    }

    /// Registers a handler value under `name`; each worker gets a copy.
    public mutating func register<Function: QueueFunction>(_ name: String, _ function: Function) {
        register(name) { function }
    }

    /// Every registered name, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The entry registered under `name`, if any.
    public func entry(named name: String) -> Entry? { entries[name] }
}

/// Runs one handler type for the dispatcher: decoding and invoking, without generics.
protocol FunctionInvoker: Sendable {
    /// Decodes and invokes; returns an outcome per decoded message and the decode failures.
    func invoke(_ leases: [Lease], context: FunctionContext, decoder: JSONDecoder) async -> InvocationReport
}

/// What one invocation produced.
struct InvocationReport: Sendable {
    /// Messages whose bodies could not be decoded, with the error text.
    var undecodable: [(lease: Lease, error: String)] = []
    /// Outcomes recorded by the handler for decoded messages.
    var outcomes: [MessageID: ItemOutcome] = [:]
    /// The decoded messages' ids, in order.
    var invoked: [MessageID] = []
    /// Set when the handler threw: unsettled invoked items fail with this text.
    var thrownError: String?
    /// Whether the handler was cancelled (by its timeout or shutdown).
    var cancelled = false
}

/// The generic invoker behind ``FunctionRegistry/register(_:factory:)``.
struct TypedInvoker<Function: QueueFunction>: FunctionInvoker {
    let function: Function

    func invoke(_ leases: [Lease], context: FunctionContext, decoder: JSONDecoder) async -> InvocationReport {
        var report = InvocationReport()
        var items: [BatchItem<Function.Message>] = []
        items.reserveCapacity(leases.count)
        for lease in leases {
            do {
                let message = try Function.decodeMessage(lease.message.body, using: decoder)
                items.append(BatchItem(message: message, metadata: MessageMetadata(lease.message)))
            } catch {
                report.undecodable.append((lease, DecodeErrorText.describe(error, as: Function.Message.self)))
            }
        }
        guard !items.isEmpty else { return report }
        report.invoked = items.map(\.id)
        let batch = MessageBatch(items)
        do {
            try await function.handle(batch, context: context)
        } catch is CancellationError {
            report.cancelled = true
            report.thrownError = "cancelled"
        } catch {
            report.thrownError = String(describing: error)
        }
        if Task.isCancelled { report.cancelled = true }
        report.outcomes = batch.settledOutcomes
        return report
    }
}

/// Readable text for decoding errors: which field, what was expected.
enum DecodeErrorText {
    static func describe<T>(_ error: any Error, as type: T.Type) -> String {
        let target = String(describing: type)
        guard let error = error as? DecodingError else {
            return "could not decode the body as \(target): \(error)"
        }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the body" : "$" + keys
        }
        switch error {
        case .typeMismatch(let expected, let context):
            return "could not decode the body as \(target): \(path(context)) should be \(expected): \(context.debugDescription)"
        case .valueNotFound(let expected, let context):
            return "could not decode the body as \(target): \(path(context)) is null, expected \(expected)"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "could not decode the body as \(target): missing field '\(key.stringValue)' in \(parent == "the body" ? "the body" : parent)"
        case .dataCorrupted(let context):
            var text = "could not decode the body as \(target): \(context.debugDescription)"
            if let underlying = context.underlyingError { text += " (\(underlying))" }
            return text
        @unknown default:
            return "could not decode the body as \(target): \(error)"
        }
    }
}
