import Foundation
import Testing
@testable import QueueFunctions

/// The queue keys `fifo`, `content_based_deduplication`, `deduplication_window`, `default_priority`.
@Suite("Delivery options: manifest")
struct DeliveryManifestTests {
    @Test("the delivery keys are read into the queue's settings, with SQS's defaults")
    func keysAreRead() throws {
        let json = oneFunctionManifest(queue: #""fifo": true, "content_based_deduplication": true, "deduplication_window": "10m", "default_priority": 4"#)
        let queue = try #require(try loadManifest(json).manifest.queue(named: "jobs"))
        #expect(queue.delivery == QueueDelivery(fifo: true, contentBasedDeduplication: true, deduplicationWindow: .seconds(600), defaultPriority: 4))
        let plain = try #require(try loadManifest(oneFunctionManifest()).manifest.queue(named: "jobs"))
        #expect(plain.delivery == QueueDelivery())
        #expect(plain.delivery.deduplicationWindow == .seconds(300))
    }

    @Test("a priority outside 0–9 is refused with its place and the range")
    func priorityOutOfRange() throws {
        let errors = diagnostics(oneFunctionManifest(queue: #""default_priority": 10"#))
        let error = try #require(errors.first)
        #expect(error.kind == .outOfRange && error.path == "$.queues[0].default_priority")
        #expect(error.line == 2 && error.column != nil)
        #expect(error.description.contains("9"))
    }

    @Test("fifo must be true or false; deduplication keys need a FIFO queue")
    func wrongTypesAndMisplacedKeys() throws {
        let typed = try #require(diagnostics(oneFunctionManifest(queue: #""fifo": "yes""#)).first)
        #expect(typed.kind == .wrongType && typed.path == "$.queues[0].fifo")
        let misplaced = diagnostics(oneFunctionManifest(queue: #""content_based_deduplication": true, "deduplication_window": "1m""#))
        #expect(misplaced.map(\.path) == ["$.queues[0].content_based_deduplication"])
        #expect(misplaced.allSatisfy { $0.fix.contains(#""fifo": true"#) })
        let idle = diagnostics(oneFunctionManifest(queue: #""deduplication_window": "1m""#), .warning)
        #expect(idle.map(\.path) == ["$.queues[0].deduplication_window"])
        let zero = try #require(diagnostics(oneFunctionManifest(queue: #""fifo": true, "deduplication_window": "0s""#)).first)
        #expect(zero.kind == .outOfRange)
    }

    @Test("a FIFO queue refuses a message without a group, a standard one a message with one")
    func groupRules() throws {
        var fifo = QueueConfig(name: "orders")
        fifo.delivery.fifo = true
        #expect(throws: DeliveryOptionsError.self) { try fifo.prepare(Data(), options: DeliveryOptions()) }
        let standard = QueueConfig(name: "jobs")
        let error = #expect(throws: DeliveryOptionsError.self) { try standard.prepare(Data(), options: DeliveryOptions(groupID: "g")) }
        #expect(error?.description.contains(#""fifo": true"#) == true)
        #expect(throws: DeliveryOptionsError.self) { try standard.prepare(Data(), options: DeliveryOptions(priority: 10)) }
        #expect(throws: DeliveryOptionsError.self) { try fifo.prepare(Data(), options: DeliveryOptions(groupID: "has space")) }
        var prioritized = QueueConfig(name: "jobs")
        prioritized.delivery.defaultPriority = 6
        #expect(try prioritized.prepare(Data(), options: DeliveryOptions()).message.priority == 6)
        #expect(try prioritized.prepare(Data(), options: DeliveryOptions(priority: 1)).message.priority == 1)
    }

    @Test("attribute limits: at most 10, names of letters, digits, _ - and ., no reserved prefix")
    func attributeLimits() throws {
        let eleven = Dictionary(uniqueKeysWithValues: (0..<11).map { ("k\($0)", "v") })
        let tooMany = #expect(throws: MessageAttributes.LimitError.self) { try MessageAttributes.validate(eleven) }
        #expect(tooMany?.description.contains("at most 10") == true)
        #expect(throws: MessageAttributes.LimitError.self) { try MessageAttributes.validate(["bad name": "v"]) }
        #expect(throws: MessageAttributes.LimitError.self) { try MessageAttributes.validate(["AWS.trace": "v"]) }
        #expect(throws: MessageAttributes.LimitError.self) { try MessageAttributes.validate(["a..b": "v"]) }
        #expect(throws: MessageAttributes.LimitError.self) { try MessageAttributes.validate(["": "v"]) }
        #expect(throws: MessageAttributes.LimitError.self) {
            try MessageAttributes.validate(["big": String(repeating: "x", count: MessageAttributes.maximumTotalBytes)])
        }
        try MessageAttributes.validate(["event-type": "order.placed", "tenant_id": "42", "v1.2": ""])
    }
}
