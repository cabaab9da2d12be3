import Foundation

extension FunctionRegistry {
    /// Registers a resource that every worker of the host shares (a database pool, an
    /// HTTP client), like Lambda's init phase. The host calls `start` once, before the
    /// first worker starts, and `close` after the last worker has finished, in reverse
    /// order of registration. A resource whose `start` throws stops the host's start-up
    /// with an error naming it.
    ///
    /// ```swift
    /// var registry = FunctionRegistry()
    /// let billing = registry.resource("billing-client") {
    ///     try await BillingClient.connect()
    /// } close: { client in
    ///     await client.shutdown()
    /// }
    /// registry.register("GenerateInvoice") { resources in
    ///     GenerateInvoice(billing: try resources[billing])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: A name for logs and errors, unique in this registry.
    ///   - start: Creates the resource.
    ///   - close: Releases it at shutdown.
    /// - Returns: The key that reads the resource from ``SharedResources``.
    @discardableResult
    public mutating func resource<Value: Sendable>(
        _ name: String, start: @escaping @Sendable () async throws -> Value,
        close: @escaping @Sendable (Value) async -> Void = { _ in }
    ) -> ResourceKey<Value> {
        resourceDefinitions.removeAll { $0.name == name }
        resourceDefinitions.append(ResourceDefinition(
            name: name,
            start: { try await start() },
            close: { value in
                if let typed = value as? Value { await close(typed) }
            }
        ))
        return ResourceKey(name: name)
    }
}
