/// The keys each object of `functions.json` may have, in documentation order.
/// `Samples/functions.schema.json` lists the same keys; a test keeps them in step.
enum ManifestKeys {
    /// The top-level object.
    static let root = ["$schema", "host", "queues", "functions", "producers", "topics", "dependencies"]
    /// `host`.
    static let host = ["max_workers", "idle_poll_interval", "shutdown_grace_period", "idempotency_window", "profile"]
    /// Each entry of `queues`.
    static let queue = [
        "name", "dead_letter_queue", "max_receive_count", "visibility_timeout",
        "fifo", "content_based_deduplication", "deduplication_window", "default_priority",
    ]
    /// Each entry of `functions`.
    static let function = ["name", "handler", "trigger", "timeout", "retry", "scale", "profile", "dependencies"]
    /// A function's `trigger`.
    static let trigger = ["queue", "batch_size", "batching_window", "report_batch_item_failures", "new_batch_threshold"]
    /// A function's `retry`.
    static let retry = ["initial_delay", "max_delay", "multiplier", "jitter"]
    /// A function's `scale`.
    static let scale = [
        "min_workers", "max_workers", "target_backlog_per_worker", "scale_interval", "max_scale_up_step", "scale_down_stabilization",
    ]
    /// Each entry of `producers`.
    static let producer = ["type", "route", "queue", "topic", "idempotency_field"]
    /// Each entry of `topics`.
    static let topic = ["name", "subscriptions"]
    /// Each entry of a topic's `subscriptions`.
    static let subscription = ["queue", "filter"]
    /// The operators of a filter condition written as an object.
    static let filterOperators = ["prefix", "exists"]
    /// Each entry of `dependencies`.
    static let dependency = ["name", "max_concurrency", "rate", "burst", "breaker"]
    /// A dependency's `breaker`.
    static let breaker = ["enabled", "failure_ratio", "minimum_calls", "window", "open_for"]
}
