/// A queue's delivery keys: `fifo`, `content_based_deduplication`, `deduplication_window`
/// and `default_priority`.
extension ManifestDecoder {
    mutating func decodeQueueDelivery(_ fields: JSONObjectFields) -> QueueDelivery {
        var delivery = QueueDelivery()
        delivery.fifo = flag(fields, "fifo", meaning: "a FIFO queue: message groups, one message of a group at a time, in order")
        delivery.contentBasedDeduplication = flag(
            fields, "content_based_deduplication", meaning: "deduplicate messages without a deduplication id by a hash of the body"
        )
        delivery.deduplicationWindow = duration(
            fields, "deduplication_window", default: QueueDelivery.defaultDeduplicationWindow, range: InputLimits.deduplicationWindow
        ) ?? QueueDelivery.defaultDeduplicationWindow
        delivery.defaultPriority = int(fields, "default_priority", default: 0, range: InputLimits.messagePriority) ?? 0
        if !delivery.fifo {
            if delivery.contentBasedDeduplication, let member = fields["content_based_deduplication"] {
                error(.invalidValue, fields.path("content_based_deduplication"), at: member.value.location,
                      "content_based_deduplication applies only to FIFO queues, and this queue is not one",
                      #"add "fifo": true to the queue, or remove content_based_deduplication"#)
            }
            if let member = fields["deduplication_window"] {
                diagnostics.append(ManifestDiagnostic(
                    severity: .warning, kind: .invalidValue, path: fields.path("deduplication_window"),
                    line: member.value.location.line, column: member.value.location.column,
                    message: "deduplication_window has no effect: only FIFO queues deduplicate, and this queue is not one",
                    fix: #"add "fifo": true to the queue, or remove deduplication_window"#
                ))
            }
        }
        return delivery
    }

    /// A `true`/`false` under `key`, false when absent; reported when it is another type.
    private mutating func flag(_ fields: JSONObjectFields, _ key: String, meaning: String) -> Bool {
        guard let member = fields[key] else { return false }
        if case .bool(let value) = member.value.kind { return value }
        error(.wrongType, fields.path(key), at: member.value.location,
              "expected \(key) as true or false, found \(member.value.found)",
              "write true (\(meaning)) or false")
        return false
    }
}
