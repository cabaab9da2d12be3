import QueueFunctions
import QueueFunctionsHTTP
import Foundation

/// `GET /api/topics`: the manifest's topics, each subscription with its filter and the
/// functions that consume its queue.
extension AdminAPI {
    /// One topic as the admin API lists it.
    struct TopicRow: Encodable {
        /// One subscription.
        struct Subscription: Encodable {
            /// The subscribed queue.
            var queue: String
            /// The filter as `functions.json` writes it (`{}` for every message), as JSON text
            /// so attribute names keep their case.
            var filter: String
            /// The functions triggered by the queue.
            var functions: [String]
        }

        var name: String
        var subscriptions: [Subscription]
    }

    /// The topics of the running manifest, in manifest order.
    func topicRows() -> [TopicRow] {
        let manifest = host.manifest
        return manifest.topics.map { topic in
            TopicRow(name: topic.name, subscriptions: topic.subscriptions.map { subscription in
                TopicRow.Subscription(
                    queue: subscription.queue, filter: subscription.filter.description,
                    functions: manifest.functions.filter { $0.trigger.queue == subscription.queue }.map(\.name)
                )
            })
        }
    }
}
