import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsGateway
import QueueFunctionsTesting

/// Delivery options on producer routes and the admin API.
@Suite("Delivery options: HTTP")
struct DeliveryGatewayTests {
    private func manifest() -> Manifest {
        var base = gatewayManifest()
        var orders = QueueConfig(name: "orders", deadLetterQueue: "orders-dlq")
        orders.delivery = QueueDelivery(fifo: true)
        base.queues += [orders, QueueConfig(name: "orders-dlq")]
        base.producers.append(ProducerConfig(method: "POST", path: "/orders", queue: "orders"))
        return base
    }

    @Test("a FIFO route needs a group header; a repeated deduplication id returns the first id and stores nothing")
    func fifoRoute() async throws {
        try await withGateway(manifest: manifest()) { fixture in
            let missing = try await httpRequest(port: fixture.port, "POST", "/orders", body: #"{"n": 1}"#)
            #expect(missing.status == 400)
            #expect(missing.errorText.contains("message group id") && missing.errorText.contains("X-Message-Group-Id"))
            let headers = ["X-Message-Group-Id": "customer-1", "X-Message-Deduplication-Id": "order-1"]
            let first = try await httpRequest(port: fixture.port, "POST", "/orders", headers: headers, body: #"{"n": 1}"#)
            let again = try await httpRequest(port: fixture.port, "POST", "/orders", headers: headers, body: #"{"n": 1}"#)
            #expect(first.status == 202 && again.status == 202)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            let byQuery = try await httpRequest(port: fixture.port, "POST", "/orders?group=customer-2", body: #"{"n": 2}"#)
            #expect(byQuery.status == 202)
            let stored = try await fixture.host.store.peek("orders", limit: 10)
            #expect(stored.map(\.groupID) == ["customer-1", "customer-2"])
        }
    }

    @Test("a scheduled post waits, shows in /api/queues as scheduled, and can be cancelled by id")
    func scheduleAndCancel() async throws {
        try await withGateway(manifest: manifest()) { fixture in
            let at = fixture.host.clock.now().addingTimeInterval(3_600).formatted(.iso8601)
            let sent = try await httpRequest(port: fixture.port, "PUT", "/outbox?at=\(at)&priority=7", body: #"{"event_id": "e1"}"#)
            #expect(sent.status == 202)
            let id = try #require(sent.json["id"] as? String)
            let queues = try await httpRequest(port: fixture.port, "GET", "/api/queues/outbox")
            #expect(queues.json["scheduled"] as? Int == 1 && queues.json["delayed"] as? Int == 1)
            #expect(queues.json["fifo"] as? Bool == false)
            let messages = try await httpRequest(port: fixture.port, "GET", "/api/queues/outbox/messages")
            let listed = try #require((messages.json["messages"] as? [[String: Any]])?.first)
            #expect(listed["priority"] as? Int == 7 && listed["state"] as? String == "delayed")
            let cancelled = try await httpRequest(port: fixture.port, "POST", "/api/queues/outbox/messages/\(id)/cancel")
            #expect(cancelled.status == 200 && cancelled.json["result"] as? String == "cancelled")
            let again = try await httpRequest(port: fixture.port, "POST", "/api/queues/outbox/messages/\(id)/cancel")
            #expect(again.status == 404)
            #expect(try await fixture.host.store.stats(for: "outbox").total == 0)
        }
    }

    @Test("bad delivery values get 400 naming the value and what is allowed; nothing is queued")
    func badValues() async throws {
        try await withGateway(manifest: manifest()) { fixture in
            let priority = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: ["X-Message-Priority": "12"],
                                                 body: #"{"number": 1}"#)
            #expect(priority.status == 400 && priority.errorText.contains("X-Message-Priority") && priority.errorText.contains("0…9"))
            let time = try await httpRequest(port: fixture.port, "POST", "/jobs?at=tomorrow", body: #"{"number": 1}"#)
            #expect(time.status == 400 && time.errorText.contains("2026-12-01T09:00:00Z"))
            let group = try await httpRequest(port: fixture.port, "POST", "/jobs?group=g", body: #"{"number": 1}"#)
            #expect(group.status == 400 && group.errorText.contains("not a FIFO queue"))
            #expect(try await fixture.host.store.stats(for: "jobs").total == 0)
        }
    }
}
