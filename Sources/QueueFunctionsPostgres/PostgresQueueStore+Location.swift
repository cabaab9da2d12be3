import QueueFunctions

extension PostgresQueueStore: StoreLocationDescribing {
    /// The server's URL without its password.
    package var storeLocation: String { location }
}
