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
        /// How its messages are decoded and what it sends is encoded.
        public let coding: JSONCoding
        let build: @Sendable (SharedResources) async throws -> any FunctionInvoker
        /// The host's resources that ``makeInvoker()`` hands to the factory.
        private(set) var resources = SharedResources(definitions: [])
        /// Decodes a body as the handler's message type, as a worker would: `nil` when it
        /// decodes, else the decoding error as text (the gateway refuses such bodies with 400).
        package let validate: @Sendable (Data) -> String?
    }

    private(set) var entries: [String: Entry] = [:]
    /// The shared resources, in registration order.
    package internal(set) var resourceDefinitions: [ResourceDefinition] = []

    /// Creates an empty registry.
    public init() {}

    /// Registers a handler under `name`. `factory` runs once per worker task when it
    /// starts (a cold start), so every worker owns its own instance.
    ///
    /// - Parameter coding: How the function's messages are decoded (by the workers and
    ///   the gateway's body check) and how its context's sends are encoded.
    public mutating func register<Function: QueueFunction>(
        _ name: String, coding: JSONCoding = .default, factory: @escaping @Sendable () async throws -> Function
    ) {
        register(name, coding: coding) { (_: SharedResources) in try await factory() }
    }

    /// Registers a handler under `name` whose factory reads the host's shared resources
    /// (see ``resource(_:start:close:)``). `factory` runs once per worker task when it
    /// starts (a cold start), after every resource has started.
    ///
    /// - Parameter coding: How the function's messages are decoded and its sends encoded.
    public mutating func register<Function: QueueFunction>(
        _ name: String, coding: JSONCoding = .default, factory: @escaping @Sendable (SharedResources) async throws -> Function
    ) {
        let checker = coding.makeDecoder()
        entries[name] = Entry(
            name: name,
            typeName: String(describing: Function.self),
            messageTypeName: String(describing: Function.Message.self),
            coding: coding,
            build: { resources in TypedInvoker(function: try await factory(resources), coding: coding) },
            validate: { body in
                do {
                    _ = try Function.decodeMessage(body, using: checker)
                    return nil
                } catch {
                    return DecodeErrorText.describe(error, as: Function.Message.self)
                }
            }
        )
    }

    /// Registers a handler value under `name`; each worker gets a copy.
    ///
    /// - Parameter coding: How the function's messages are decoded and its sends encoded.
    public mutating func register<Function: QueueFunction>(_ name: String, _ function: Function, coding: JSONCoding = .default) {
        register(name, coding: coding) { function }
    }

    /// Every registered name, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The entry registered under `name`, if any.
    public func entry(named name: String) -> Entry? { entries[name] }
}

extension FunctionRegistry.Entry {
    /// Calls the factory: one new handler instance.
    func makeInvoker() async throws -> any FunctionInvoker {
        try await build(resources)
    }

    /// This entry, handing `resources` to its factory.
    package func bound(to resources: SharedResources) -> FunctionRegistry.Entry {
        var copy = self
        copy.resources = resources
        return copy
    }
}

/// Runs one handler type for the dispatcher: decoding and invoking, without generics.
protocol FunctionInvoker: Sendable {
    /// Decodes the leased bodies into a batch ready to run.
    func prepare(_ leases: [Lease], decoder: JSONDecoder) -> PreparedInvocation
}

/// A decoded batch, ready to hand to the handler; its outcomes can be read at any
/// time (for example when the invocation times out while the handler still runs).
struct PreparedInvocation: Sendable {
    /// Leases whose bodies could not be decoded, with the error text.
    var undecodable: [(lease: Lease, error: String)]
    /// Leases whose messages are in the batch, in order.
    var invoked: [Lease]
    /// Runs the handler on the batch.
    var run: @Sendable (FunctionContext) async throws -> Void
    /// The outcomes the handler has settled so far.
    var outcomes: @Sendable () -> [MessageID: ItemOutcome]
    /// Why the handler's batch response is invalid, if it is (Lambda's rules).
    var invalidResponse: @Sendable () -> [String] = { [] }
}

/// The generic invoker behind ``FunctionRegistry/register(_:factory:)``.
struct TypedInvoker<Function: QueueFunction>: FunctionInvoker {
    let function: Function
    let coding: JSONCoding

    func prepare(_ leases: [Lease], decoder: JSONDecoder) -> PreparedInvocation {
        var undecodable: [(lease: Lease, error: String)] = []
        var items: [BatchItem<Function.Message>] = []
        items.reserveCapacity(leases.count)
        // The leases whose bodies decoded, kept only once one did not: usually every
        // lease is invoked and the batch is passed on uncopied.
        var decodedOnly: [Lease]?
        for (index, lease) in leases.enumerated() {
            do {
                let message = try Function.decodeMessage(lease.message.body, using: decoder)
                var metadata = MessageMetadata(lease.message)
                metadata.leaseToken = lease.token
                metadata.leaseExpiresAt = lease.expiresAt
                items.append(BatchItem(message: message, metadata: metadata))
                decodedOnly?.append(lease)
            } catch {
                if decodedOnly == nil { decodedOnly = Array(leases[..<index]) }
                undecodable.append((lease, DecodeErrorText.describe(error, as: Function.Message.self)))
            }
        }
        let invoked = decodedOnly ?? leases
        let batch = MessageBatch(items)
        let function = self.function
        return PreparedInvocation(
            undecodable: undecodable,
            invoked: invoked,
            run: { [coding] context in
                var context = context
                context.queues = context.queues.encoding(with: coding)
                try await function.handle(batch, context: context)
            },
            outcomes: { batch.settledOutcomes },
            invalidResponse: { batch.invalidResponse }
        )
    }
}

/// Readable text for decoding errors: which field, what was expected.
enum DecodeErrorText {
    static func describe<T>(_ error: any Error, as type: T.Type) -> String {
        let target = String(describing: type)
        guard let error = error as? DecodingError else {
            return "could not decode the body as \(target): \(error)"
        }
        func detail(_ context: DecodingError.Context) -> String {
            var text = context.debugDescription
            while text.hasSuffix(".") { text.removeLast() }
            return text
        }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the body" : "$" + keys
        }
        switch error {
        case .typeMismatch(let expected, let context):
            return "could not decode the body as \(target): \(path(context)) should be \(expected): \(detail(context))"
        case .valueNotFound(let expected, let context):
            return "could not decode the body as \(target): \(path(context)) is null, expected \(expected)"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "could not decode the body as \(target): missing field '\(key.stringValue)' in \(parent == "the body" ? "the body" : parent)"
        case .dataCorrupted(let context):
            var text = "could not decode the body as \(target): \(detail(context))"
            if let underlying = context.underlyingError { text += " (\(underlying))" }
            return text
        @unknown default:
            return "could not decode the body as \(target): \(error)"
        }
    }
}
