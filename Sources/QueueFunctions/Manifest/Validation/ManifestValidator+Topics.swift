/// Checks `topics` against the rest of the manifest: names unique, subscribed queues
/// declared, each queue subscribed once per topic, producers naming declared topics;
/// and warns about topics that deliver nowhere or to queues no function consumes.
extension ManifestValidator {
    /// The topic names declared, in order, each once.
    var declaredTopics: [String] {
        var seen = Set<String>()
        return draft.topics.compactMap(\.name).filter { seen.insert($0).inserted }
    }

    /// Every queue some topic subscription delivers to.
    var subscribedQueues: Set<String> {
        Set(draft.topics.flatMap { $0.subscriptions.compactMap(\.queue) })
    }

    /// Reports the errors of `topics` and of producers that publish.
    mutating func checkTopics() {
        var names: [String: ManifestDraft.Topic] = [:]
        for topic in draft.topics {
            if let name = topic.name {
                if let first = names[name] {
                    report(.error, .duplicateTopic, JSONPath.member(topic.path, "name"),
                           "topic \(JSONText.string(name)) is declared twice (first at \(first.path))",
                           "rename one of them, or merge their subscriptions into one topic")
                } else {
                    names[name] = topic
                }
            }
            var subscribed: [String: String] = [:]
            for subscription in topic.subscriptions {
                guard let queue = subscription.queue else { continue }
                let queuePath = JSONPath.member(subscription.path(in: topic.path), "queue")
                guard knownQueueSet.contains(queue) else {
                    reportUnknownQueue(queue, at: queuePath)
                    continue
                }
                if let first = subscribed[queue] {
                    report(.error, .duplicateSubscription, queuePath,
                           "queue \(JSONText.string(queue)) is subscribed to this topic twice (first at \(first)), so it would get two copies",
                           "keep one subscription per queue; to accept more messages, add values to its filter lists")
                } else {
                    subscribed[queue] = subscription.path(in: topic.path)
                }
            }
        }
        for producer in draft.producers {
            guard let topic = producer.topic, names[topic] == nil else { continue }
            reportUnknownTopic(topic, at: JSONPath.member(producer.path, "topic"))
        }
    }

    /// Reports `topic`, named at `path`, as not declared, with a did-you-mean.
    mutating func reportUnknownTopic(_ topic: String, at path: String) {
        let known = declaredTopics
        var fix = "declare it under \"topics\" as {\"name\": \(JSONText.string(topic)), \"subscriptions\": [{\"queue\": \"…\"}]}"
        if let close = Suggestion.closest(to: topic, in: known) {
            fix = "did you mean \(JSONText.string(close))? Otherwise " + fix
        } else if !known.isEmpty {
            fix += ", or use one of " + known.prefix(Self.listedQueueLimit).map(JSONText.string).joined(separator: ", ")
        }
        report(.error, .unknownTopic, path, "topic \(JSONText.string(topic)) is not declared", fix)
    }

    /// Warnings: a topic with no subscriptions, a subscription to a queue no function consumes.
    mutating func lintTopics() {
        let triggered = Set(draft.functions.compactMap(\.queue))
        for topic in draft.topics {
            let name = topic.name.map(JSONText.string) ?? topic.path
            if topic.subscriptions.isEmpty {
                report(.warning, .topicWithoutSubscriptions, JSONPath.member(topic.path, "subscriptions"),
                       "topic \(name) has no subscriptions, so every message published to it is dropped",
                       "add {\"queue\": \"<queue name>\"} to its subscriptions, or remove the topic")
            }
            for subscription in topic.subscriptions {
                guard let queue = subscription.queue, knownQueueSet.contains(queue), !triggered.contains(queue) else { continue }
                report(.warning, .unconsumedSubscription, JSONPath.member(subscription.path(in: topic.path), "queue"),
                       "topic \(name) delivers to queue \(JSONText.string(queue)), which no function consumes, so its copies pile up",
                       "add a function with \"trigger\": {\"queue\": \(JSONText.string(queue))}, or remove the subscription")
            }
        }
    }
}
