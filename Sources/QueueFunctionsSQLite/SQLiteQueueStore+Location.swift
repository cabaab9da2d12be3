import QueueFunctions

extension SQLiteQueueStore: StoreLocationDescribing {
    /// The queue file's path, as the host was given it.
    package var storeLocation: String { path }
}
