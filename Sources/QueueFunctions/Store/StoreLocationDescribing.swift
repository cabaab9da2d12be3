/// A store that can say where it keeps its queues, in a form safe to show: a file path or a
/// server URL without its password. The gateway and `status` name it when the store fails.
package protocol StoreLocationDescribing {
    /// Where the store is (`postgres://app@db:5432/queues`), without secrets.
    var storeLocation: String { get }
}
