import Foundation
import Testing
@testable import QueueFunctions

/// Seeded fuzzing of the delivery-option checks: random groups, ids, priorities and
/// attributes against FIFO and standard queues.
@Suite("Fuzz: delivery options")
struct DeliveryOptionsFuzzTests {
    private static let words = ["", "g", "customer-42", "has space", "é", "AWS.trace", "a..b", ".x", "x.", "ok_name",
                                String(repeating: "k", count: 129), String(repeating: "v", count: 300), "\u{0}", "tab\t"]

    private static func word(_ random: inout SplitMix64) -> String {
        var text = random.chance(60) ? random.pick(["g", "customer-42", "ok_name", "v1.2"]) : random.pick(words)
        if random.chance(15) { text = String(decoding: Fuzz.mutateBytes(Array(text.utf8), &random), as: UTF8.self) }
        return text
    }

    @Test("every option set gives a message that keeps the queue's rules, or an error saying which rule it broke")
    func prepare() async {
        var random = SplitMix64(seed: Fuzz.seed &+ 13)
        var fifo = QueueConfig(name: "orders")
        fifo.delivery = QueueDelivery(fifo: true, contentBasedDeduplication: true)
        let standard = QueueConfig(name: "jobs")
        var accepted = 0, refused = 0
        for index in 0..<20_000 {
            if index % 500 == 0 { await Task.yield() }
            let queue = random.chance(50) ? fifo : standard
            var options = DeliveryOptions()
            if random.chance(queue.delivery.fifo ? 85 : 10) { options.groupID = Self.word(&random) }
            if random.chance(queue.delivery.fifo ? 30 : 5) { options.deduplicationID = Self.word(&random) }
            if random.chance(50) { options.priority = random.pick([-1, 0, 3, 5, 9, 9, 10, Int.max, Int.min]) }
            for _ in 0..<random.pick([0, 0, 1, 2, 3, 12]) { options.attributes[Self.word(&random)] = Self.word(&random) }
            do {
                let prepared = try queue.prepare(Data("{}".utf8), options: options)
                #expect(MessagePriority.range.contains(prepared.message.priority))
                #expect(prepared.message.attributes.count <= MessageAttributes.maximumCount)
                #expect(queue.delivery.fifo == (prepared.message.groupID != nil))
                #expect(queue.delivery.fifo == (prepared.deduplicationKey != nil))
                accepted += 1
            } catch let error as DeliveryOptionsError {
                #expect(error.description.contains("'\(queue.name)'"), "\(error)")
                refused += 1
            } catch let error as MessageAttributes.LimitError {
                #expect(error.description.contains("attribute"), "\(error)")
                refused += 1
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        print("fuzz delivery options: \(accepted + refused) inputs, \(accepted) accepted, \(refused) refused")
        #expect(accepted > 1_000 && refused > 1_000)
    }
}
