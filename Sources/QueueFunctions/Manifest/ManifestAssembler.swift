/// Turns a draft that passed validation into the public ``Manifest``, applying the
/// dead-letter defaults and adding implicit dead-letter queues.
enum ManifestAssembler {
    /// The manifest for `draft`, or nil if a required value is missing (which
    /// validation has already reported as an error).
    static func assemble(_ draft: ManifestDraft) -> Manifest? {
        let plan = DeadLetterPlan(queues: draft.queues)
        var queues: [QueueConfig] = []
        for queue in draft.queues {
            guard let name = queue.name else { return nil }
            var config = QueueConfig(
                name: name, deadLetterQueue: plan.deadLetterQueue[queue.index],
                maxReceiveCount: queue.maxReceiveCount, visibilityTimeout: queue.visibilityTimeout
            )
            config.delivery = queue.delivery
            queues.append(config)
        }
        queues += plan.implicitQueues.map { QueueConfig(name: $0, deadLetterQueue: nil) }
        var functions: [FunctionConfig] = []
        for function in draft.functions {
            guard let name = function.name, let handler = function.handler, let queue = function.queue else { return nil }
            var config = FunctionConfig(
                name: name, handler: handler,
                trigger: TriggerConfig(queue: queue, batchSize: function.batchSize, batchingWindow: function.batchingWindow),
                timeout: function.timeout, retry: function.retry, scale: function.scale
            )
            config.applyProfile(of: function, in: draft)
            config.dependencies = function.dependencies.map(\.name)
            functions.append(config)
        }
        var producers: [ProducerConfig] = []
        for producer in draft.producers {
            guard let route = producer.route else { return nil }
            if let topic = producer.topic {
                producers.append(ProducerConfig(method: route.method, path: route.path, topic: topic, idempotencyField: producer.idempotencyField))
                continue
            }
            guard let queue = producer.queue else { return nil }
            producers.append(ProducerConfig(method: route.method, path: route.path, queue: queue, idempotencyField: producer.idempotencyField))
        }
        var topics: [TopicConfig] = []
        for topic in draft.topics {
            guard let name = topic.name else { return nil }
            var subscriptions: [TopicSubscription] = []
            for subscription in topic.subscriptions {
                guard let queue = subscription.queue else { return nil }
                subscriptions.append(TopicSubscription(queue: queue, filter: subscription.filter))
            }
            topics.append(TopicConfig(name: name, subscriptions: subscriptions))
        }
        var manifest = Manifest(queues: queues, functions: functions, producers: producers, host: draft.host, topics: topics)
        for dependency in draft.dependencies {
            guard let name = dependency.name else { return nil }
            var config = dependency.config
            config.name = name
            manifest.dependencies.append(config)
        }
        return manifest
    }
}
