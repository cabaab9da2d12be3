import Foundation
import Synchronization

/// Names a shared resource registered with ``FunctionRegistry/resource(_:start:close:)``,
/// and reads it from ``SharedResources`` with its type.
public struct ResourceKey<Value: Sendable>: Sendable, Hashable {
    /// The name it was registered under.
    public let name: String
}

/// How to start and close one shared resource, type-erased.
package struct ResourceDefinition: Sendable {
    package let name: String
    package let start: @Sendable () async throws -> any Sendable
    package let close: @Sendable (any Sendable) async -> Void
}

/// A resource that failed to start, or one read before it started.
public struct ResourceError: Error, CustomStringConvertible, Sendable {
    /// What was wrong and what to do.
    public var description: String
}

/// The host's shared resources (a database pool, an HTTP client), like Lambda's init
/// phase: each is started once per host, before the first worker starts, handed to
/// every handler factory, and closed after the last worker has finished, in reverse
/// order of starting.
public final class SharedResources: Sendable {
    private let definitions: [ResourceDefinition]
    private let started = Mutex<[(name: String, value: any Sendable)]>([])
    private let lifecycle = Mutex(Lifecycle.notStarted)

    private enum Lifecycle { case notStarted, starting, started, closed }

    package init(definitions: [ResourceDefinition]) {
        self.definitions = definitions
    }

    /// The resource registered under `key`.
    ///
    /// - Throws: ``ResourceError`` when it has not started (or was closed).
    public subscript<Value>(_ key: ResourceKey<Value>) -> Value {
        get throws {
            let value = started.withLock { $0.first { $0.name == key.name }?.value }
            guard let value else {
                throw ResourceError(description: "shared resource '\(key.name)' is not running: it starts before the first "
                    + "worker and closes after the last one; read it in a handler factory, not before the host runs")
            }
            guard let typed = value as? Value else {
                throw ResourceError(description: "shared resource '\(key.name)' is a \(type(of: value)), not a \(Value.self)")
            }
            return typed
        }
    }

    /// Starts every resource in registration order, once. When one fails, those
    /// started before it are closed again and the error names the failing one.
    package func start(logger: QueueLogger) async throws {
        let first = lifecycle.withLock { state in
            guard state == .notStarted else { return false }
            state = .starting
            return true
        }
        guard first else { return }
        for definition in definitions {
            do {
                let value = try await definition.start()
                started.withLock { $0.append((definition.name, value)) }
                logger.info("shared resource started", [("resource", definition.name)])
            } catch {
                await close(logger: logger)
                throw ResourceError(description: "shared resource '\(definition.name)' failed to start: \(error). "
                    + "Fix what it needs (address, credentials, files) and start the host again.")
            }
        }
        lifecycle.withLock { state in if state == .starting { state = .started } }
    }

    /// Closes every started resource in reverse order of starting, once.
    package func close(logger: QueueLogger) async {
        lifecycle.withLock { $0 = .closed }
        let values = started.withLock { values in
            defer { values.removeAll() }
            return values
        }
        for (name, value) in values.reversed() {
            guard let definition = definitions.first(where: { $0.name == name }) else { continue }
            await definition.close(value)
            logger.info("shared resource closed", [("resource", name)])
        }
    }
}
