/// The manifest as decoded, before cross-references are checked: required names may be
/// missing (already reported), and every entry remembers its index for JSON paths.
struct ManifestDraft: Sendable {
    /// A declared queue.
    struct Queue: Sendable {
        /// Its index in `queues`.
        var index: Int
        /// Its name, if present and a string.
        var name: String?
        /// The `dead_letter_queue` as written, if any.
        var deadLetterQueue: String?
        /// `max_receive_count`, defaulted.
        var maxReceiveCount: Int
        /// `visibility_timeout`, defaulted.
        var visibilityTimeout: Duration
        /// `fifo`, `content_based_deduplication`, `deduplication_window`, `default_priority`, defaulted.
        var delivery = QueueDelivery()

        /// The JSON path of this queue.
        var path: String { JSONPath.element("$.queues", index) }
    }

    /// A declared function.
    struct Function: Sendable {
        /// Its index in `functions`.
        var index: Int
        /// Its name, if present and a string.
        var name: String?
        /// Its handler, if present and a string.
        var handler: String?
        /// Its trigger queue, if present and a string.
        var queue: String?
        /// `trigger.batch_size`, defaulted.
        var batchSize: Int
        /// `trigger.batching_window`, defaulted.
        var batchingWindow: Duration
        /// `timeout`, defaulted.
        var timeout: Duration
        /// `retry`, defaulted.
        var retry: RetryPolicy
        /// `scale`, defaulted.
        var scale: ScaleConfig
        /// `profile` as written; nil for the host's.
        var profile: PlatformProfile?
        /// `trigger.report_batch_item_failures`, defaulted.
        var reportBatchItemFailures = false
        /// `trigger.new_batch_threshold`, if written.
        var newBatchThreshold: Int?
        /// The dependency names it uses, with their JSON paths.
        var dependencies: [(name: String, path: String)] = []

        /// The JSON path of this function.
        var path: String { JSONPath.element("$.functions", index) }
    }

    /// A declared dependency.
    struct Dependency: Sendable {
        /// Its index in `dependencies`.
        var index: Int
        /// Its name, if present and a string.
        var name: String?
        /// Its limits, defaulted (the name is filled in on assembly).
        var config = DependencyConfig(name: "")

        /// The JSON path of this dependency.
        var path: String { JSONPath.element("$.dependencies", index) }
    }

    /// A declared producer.
    struct Producer: Sendable {
        /// Its index in `producers`.
        var index: Int
        /// The parsed route, if present and valid.
        var route: ProducerRoute?
        /// Its queue, if present and a string.
        var queue: String?
        /// Its topic, if present and a string.
        var topic: String?
        /// `idempotency_field`, if any.
        var idempotencyField: String?

        /// The JSON path of this producer.
        var path: String { JSONPath.element("$.producers", index) }
    }

    /// A declared topic.
    struct Topic: Sendable {
        /// One subscription of the topic.
        struct Subscription: Sendable {
            /// Its index in the topic's `subscriptions`.
            var index: Int
            /// Its queue, if present and a string.
            var queue: String?
            /// Its filter; everything when absent (or invalid, which is reported).
            var filter: AttributeFilter

            /// The JSON path of this subscription within `topicPath`.
            func path(in topicPath: String) -> String { JSONPath.element(JSONPath.member(topicPath, "subscriptions"), index) }
        }

        /// Its index in `topics`.
        var index: Int
        /// Its name, if present and valid.
        var name: String?
        /// Its subscriptions, in order.
        var subscriptions: [Subscription] = []

        /// The JSON path of this topic.
        var path: String { JSONPath.element("$.topics", index) }
    }

    /// The declared queues, in order.
    var queues: [Queue] = []
    /// The declared functions, in order.
    var functions: [Function] = []
    /// The declared producers, in order.
    var producers: [Producer] = []
    /// The declared topics, in order.
    var topics: [Topic] = []
    /// The declared dependencies, in order.
    var dependencies: [Dependency] = []
    /// Host settings, defaulted.
    var host = HostConfig()
    /// Where each value (by JSON path) starts; objects are included, so a missing key
    /// can point at its object.
    var locations: [String: SourceLocation] = [:]

    /// Where `path` was written, or else its nearest written ancestor.
    func location(of path: String) -> SourceLocation? {
        var current: String? = path
        while let candidate = current {
            if let location = locations[candidate] { return location }
            current = JSONPath.parent(of: candidate)
        }
        return nil
    }

    /// Whether the key at `path` was written in the file (rather than defaulted).
    func isWritten(_ path: String) -> Bool { locations[path] != nil }
}
