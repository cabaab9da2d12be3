import Foundation
import QueueFunctionsHost

/// Publish rate to a topic with 3 subscriptions: each publish stores 3 copies, one per
/// queue, in one store step (all or none). Two of the subscriptions filter on attributes
/// (an exact value and a prefix) and every message matches all three.
enum PublishBenchmark {
    private struct Mode {
        var name: String
        var tasks: Int
    }

    private static let modes = [
        Mode(name: "sequential", tasks: 1),
        Mode(name: "8 concurrent tasks", tasks: 8),
    ]

    static let topic = TopicConfig(name: "bench-events", subscriptions: [
        TopicSubscription(queue: "bench-a"),
        TopicSubscription(queue: "bench-b", filter: AttributeFilter(["type": [.equals("order-placed")]])),
        TopicSubscription(queue: "bench-c", filter: AttributeFilter(["region": [.prefix("eu-")]])),
    ])

    static func run(_ options: BenchmarkOptions) async throws -> ResultTable {
        let count = options.count(full: 10_000, quick: 2_000)
        var table = ResultTable(
            title: "Publish rate to a topic with 3 subscriptions (publishes/s; median of \(options.runs), range in parentheses)",
            command: options.commandLine, headers: ["engine", "mode", "publishes", "publishes/s", "copies/s"]
        )
        for engine in options.engines {
            for mode in modes {
                var samples = Samples()
                for _ in 0..<options.runs {
                    samples.values.append(try await measure(engine, mode, publishes: count))
                }
                let copies = Samples(values: samples.values.map { $0 * 3 })
                table.rows.append([engine.description, mode.name, Format.grouped(count), Format.rate(samples), Format.rate(copies)])
                progress("  publish \(engine) \(mode.name): \(Format.rate(samples)) publishes/s")
            }
        }
        table.notes = [
            "Each publish matches the 3 subscriptions (one unfiltered, one exact value, one prefix) and stores 3 copies in one "
                + "transaction through the transactional outbox; body \(BenchBody.sample.count) bytes, 2 attributes.",
            "SQLite files live in a fresh temporary directory per run; 'sqlite' is synchronous=NORMAL.",
        ]
        return table
    }

    /// Publishes per second for one run of `mode`.
    private static func measure(_ engine: BenchEngine, _ mode: Mode, publishes: Int) async throws -> Double {
        let open = try await engine.open()
        let client = QueueClient(store: open.store, knownQueues: ["bench-a", "bench-b", "bench-c"], topics: [topic])
        let body = BenchBody.sample
        let attributes = ["type": "order-placed", "region": "eu-west"]
        let perTask = publishes / mode.tasks
        let start = monotonicNanos()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<mode.tasks {
                group.addTask {
                    for _ in 0..<perTask {
                        try await client.publish(body: body, to: "bench-events", attributes: attributes)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(since: start)
        let published = perTask * mode.tasks
        for queue in ["bench-a", "bench-b", "bench-c"] {
            let visible = try await open.store.stats(for: queue).visible
            guard visible == published else {
                await open.close()
                throw BenchmarkError("publish benchmark: \(published) published but \(visible) copies on \(queue)")
            }
        }
        await open.close()
        return Double(published) / elapsed
    }
}
