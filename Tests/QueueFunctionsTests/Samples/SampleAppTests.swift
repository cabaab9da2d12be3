import Foundation
import Testing
import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import QueueFunctionsHost
import QueueFunctionsTesting
import SampleFunctions

/// The sample application of functions.json, run on the real dispatcher with a manual clock.
@Suite("Sample application")
struct SampleAppTests {
    struct Fixture {
        let services: SampleServices
        let host: TestHost
        let directory: URL
        let auditLog: URL

        init(services: SampleServices = SampleServices()) throws {
            self.services = services
            directory = try RepositoryPaths.temporaryDirectory("sample")
            auditLog = directory.appendingPathComponent("audit.log")
            let registry = SampleApp.registry(services: services, auditLog: AuditLogFile(path: auditLog.path))
            let loaded = try ManifestLoader.load(contentsOf: RepositoryPaths.manifest, registeredHandlers: Set(registry.names))
            host = try TestHost(manifest: loaded.manifest, registry: registry)
        }

        func finish() async {
            await host.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test("the sample manifest is valid for the sample handlers, with no warnings")
    func manifestIsValid() throws {
        let registry = SampleApp.registry(services: SampleServices())
        let loaded = try ManifestLoader.load(contentsOf: RepositoryPaths.manifest, registeredHandlers: Set(registry.names))
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.manifest.function(named: "process-import")?.trigger.queue == "import-jobs")
        #expect(loaded.manifest.function(named: "process-import")?.trigger.batchSize == 10)
        #expect(loaded.manifest.queue(named: "import-jobs")?.deadLetterQueue == "import-jobs-dlq")
    }

    @Test("process-import imports once even when the job is delivered again")
    func importIsIdempotent() async throws {
        let fixture = try Fixture()
        let job = ImportJob(importID: "imp-1", object: "imports/customers.csv")
        try await fixture.host.send(job, to: "import-jobs")
        try await fixture.host.settle()
        try await fixture.host.send(job, to: "import-jobs")
        try await fixture.host.settle()
        #expect(fixture.services.importRuns == ["imp-1": 1])
        #expect(fixture.services.completedImports == ["imp-1": 3])
        #expect(try await fixture.host.stats("import-jobs").total == 0)
        await fixture.finish()
    }

    @Test("an import of a missing object is dead-lettered at once with the reason")
    func missingObject() async throws {
        let fixture = try Fixture()
        try await fixture.host.send(ImportJob(importID: "imp-2", object: "imports/nope.csv"), to: "import-jobs")
        try await fixture.host.settle()
        let dead = try await fixture.host.deadLetters(of: "import-jobs")
        #expect(dead.count == 1)
        #expect(dead.first?.deadLetter?.reason == "object 'imports/nope.csv' does not exist in storage")
        #expect(dead.first?.deadLetter?.receiveCount == 1)
        await fixture.finish()
    }

    @Test("storage down: imports retry with backoff and complete once it is back")
    func storageOutage() async throws {
        let services = SampleServices(down: ["storage"])
        let fixture = try Fixture(services: services)
        try await fixture.host.send(ImportJob(importID: "imp-3", object: "imports/products.csv"), to: "import-jobs")
        try await fixture.host.settle()
        try await fixture.host.advance(by: .seconds(1))
        try await fixture.host.advance(by: .seconds(2))
        #expect(services.completedImports.isEmpty)
        let pending = try #require(try await fixture.host.store.peek("import-jobs", limit: 1).first)
        #expect(pending.failures.count == 3)
        #expect(pending.failures.allSatisfy { $0.error.contains("storage is unavailable") })
        services.setService("storage", up: true)
        try await fixture.host.advance(by: .seconds(4))
        #expect(services.completedImports == ["imp-3": 2])
        #expect(try await fixture.host.deadLetters(of: "import-jobs").isEmpty)
        await fixture.finish()
    }

    @Test("an approved order is confirmed: stock reserved, customer notified, audit trail written")
    func orderApproved() async throws {
        let fixture = try Fixture()
        try await fixture.host.send(Order(orderID: "o-1", items: ["kettle": 2], amount: 60, email: "ada@example.com"), to: "orders")
        try await fixture.host.settle()
        try await fixture.host.advance(by: .milliseconds(200))
        #expect(fixture.services.orderStatuses == ["o-1": "confirmed"])
        #expect(fixture.services.stock["kettle"] == 23)
        #expect(Set(fixture.services.sentNotifications) == [
            "ada@example.com: We received order o-1.", "ada@example.com: Order o-1 is confirmed.",
        ])
        let audit = try String(contentsOf: fixture.auditLog, encoding: .utf8)
        #expect(audit.contains("order-accepted o-1"))
        await fixture.finish()
    }

    @Test("a declined payment cancels the order and gives the stock back")
    func orderDeclined() async throws {
        let fixture = try Fixture()
        try await fixture.host.send(Order(orderID: "o-2", items: ["teapot": 3], amount: 5_000, email: "grace@example.com"), to: "orders")
        try await fixture.host.settle()
        #expect(fixture.services.orderStatuses == ["o-2": "payment declined"])
        #expect(fixture.services.stock["teapot"] == 10)
        #expect(fixture.services.sentNotifications.contains("grace@example.com: Payment for order o-2 was declined."))
        await fixture.finish()
    }

    @Test("the notification service being down never cancels the order; notifications retry and go out later")
    func notificationOutage() async throws {
        let services = SampleServices(down: ["notifications"])
        let fixture = try Fixture(services: services)
        try await fixture.host.send(Order(orderID: "o-3", items: ["mug": 1], amount: 8, email: "linus@example.com"), to: "orders")
        try await fixture.host.settle()
        #expect(services.orderStatuses == ["o-3": "confirmed"])
        #expect(services.sentNotifications.isEmpty)
        #expect(try await fixture.host.stats("notifications").delayed == 2)
        try await fixture.host.advance(by: .seconds(1))
        #expect(services.sentNotifications.isEmpty)
        services.setService("notifications", up: true)
        try await fixture.host.advance(by: .seconds(2))
        #expect(services.sentNotifications.count == 2)
        #expect(services.orderStatuses == ["o-3": "confirmed"])
        #expect(try await fixture.host.deadLetters(of: "notifications").isEmpty)
        await fixture.finish()
    }
}
