import QueueFunctions

/// The topics section of `status`: each topic's subscriptions with their filters.
extension StatusCommand {
    /// One topic in `status --json`: `{"name": …, "subscriptions": [{"queue": …, "filter": {…}}]}`.
    struct TopicRow: Encodable {
        struct Subscription: Encodable {
            var queue: String
            /// The filter as `functions.json` writes it; `{}` for every message.
            var filter: AttributeFilter
        }

        var name: String
        var subscriptions: [Subscription]

        /// The manifest's topics, in manifest order.
        static func rows(of manifest: Manifest) -> [TopicRow] {
            manifest.topics.map { topic in
                TopicRow(name: topic.name, subscriptions: topic.subscriptions.map { Subscription(queue: $0.queue, filter: $0.filter) })
            }
        }
    }

    /// Prints a TOPIC / QUEUE / FILTER table, when the manifest declares topics.
    static func printTopics(_ topics: [TopicRow], context: CommandContext) {
        guard !topics.isEmpty else { return }
        var table = TextTable(["TOPIC", "QUEUE", "FILTER"])
        for topic in topics {
            if topic.subscriptions.isEmpty { table.add([topic.name, "-", "no subscriptions: published messages go nowhere"]) }
            for (index, subscription) in topic.subscriptions.enumerated() {
                table.add([index == 0 ? topic.name : "", subscription.queue,
                           subscription.filter.isEmpty ? "every message" : subscription.filter.description])
            }
        }
        context.output.line("")
        context.output.line(table.render())
    }
}
