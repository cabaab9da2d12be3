import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Manifest validation")
struct ManifestValidationTests {
    /// One manifest with every kind of error, each on a line of its own where possible.
    static let everythingWrong = """
    {
      "host": {"max_workers": 0},
      "queues": [
        {"name": "orders", "visibility_timeout": "10s", "max_receive_count": "5"},
        {"name": "orders"},
        {"name": "bad name!"},
        {"name": "loop", "dead_letter_queue": "loop"},
        {"name": "limits", "max_receive_count": 0, "visibility_timeout": "13h"}
      ],
      "functions": [
        {"name": "ship", "handler": "ShipOrder", "timeout": "1m",
         "trigger": {"queue": "orders", "batch_size": 0, "batchsize": 5}},
        {"name": "ship", "trigger": {"queue": "orders"}},
        {"name": "audit", "handler": "AuditLogr", "trigger": {"queue": "ordrs"}, "timeout": "0s",
         "retry": {"initial_delay": "10m", "max_delay": "1m", "multiplier": 0.5, "jitter": 1.5}},
        {"name": "scale", "handler": "Scaler", "trigger": {"queue": "loop", "batching_window": "soon"},
         "scale": {"min_workers": -1, "max_workers": 0, "target_backlog_per_worker": 0, "scale_interval": "0s", "max_scale_up_step": 0}},
        {"name": "range", "handler": "Scaler", "trigger": {"queue": "limits"}, "scale": {"min_workers": 4, "max_workers": 2}}
      ],
      "producers": [
        {"type": "http", "route": "POST imports", "queue": "orders"},
        {"type": "http", "route": "FETCH /x", "queue": "orders"},
        {"type": "http", "route": "POST /api/orders", "queue": "orders"},
        {"type": "http", "route": "POST /orders", "queue": "orders"},
        {"type": "http", "route": "POST /orders", "queue": "orderz"},
        {"type": "kafka", "route": "PUT /orders?x=1", "queue": "orders", "queue": "x"}
      ]
    }
    """

    static let handlers: Set<String> = ["ShipOrder", "AuditLogger", "Scaler", "Unused"]

    /// (path, kind, line) of every error the manifest above must report.
    static let expectedErrors: [(String, ManifestDiagnostic.Kind, Int)] = [
        ("$.host.max_workers", .outOfRange, 2),
        ("$.queues[0].visibility_timeout", .visibilityTimeoutTooShort, 4),
        ("$.queues[0].max_receive_count", .wrongType, 4),
        ("$.queues[1].name", .duplicateQueue, 5),
        ("$.queues[2].name", .invalidQueueName, 6),
        ("$.queues[3].dead_letter_queue", .selfDeadLetter, 7),
        ("$.queues[4].max_receive_count", .outOfRange, 8),
        ("$.queues[4].visibility_timeout", .outOfRange, 8),
        ("$.functions[0].trigger.batch_size", .outOfRange, 12),
        ("$.functions[0].trigger.batchsize", .unknownKey, 12),
        ("$.functions[1].handler", .missingKey, 13),
        ("$.functions[1].name", .duplicateFunction, 13),
        ("$.functions[1].trigger.queue", .sharedTrigger, 13),
        ("$.functions[2].handler", .unknownHandler, 14),
        ("$.functions[2].trigger.queue", .unknownQueue, 14),
        ("$.functions[2].timeout", .outOfRange, 14),
        ("$.functions[2].retry.initial_delay", .outOfRange, 15),
        ("$.functions[2].retry.multiplier", .outOfRange, 15),
        ("$.functions[2].retry.jitter", .outOfRange, 15),
        ("$.functions[3].trigger.batching_window", .invalidValue, 16),
        ("$.functions[3].scale.min_workers", .outOfRange, 17),
        ("$.functions[3].scale.max_workers", .outOfRange, 17),
        ("$.functions[3].scale.target_backlog_per_worker", .outOfRange, 17),
        ("$.functions[3].scale.scale_interval", .outOfRange, 17),
        ("$.functions[3].scale.max_scale_up_step", .outOfRange, 17),
        ("$.functions[4].scale.max_workers", .outOfRange, 18),
        ("$.functions", .unusedHandler, 10),
        ("$.producers[0].route", .invalidRoute, 21),
        ("$.producers[1].route", .invalidRoute, 22),
        ("$.producers[2].route", .reservedRoute, 23),
        ("$.producers[4].route", .duplicateRoute, 25),
        ("$.producers[4].queue", .unknownQueue, 25),
        ("$.producers[5].type", .invalidValue, 26),
        ("$.producers[5].route", .invalidRoute, 26),
        ("$.producers[5].queue", .duplicateKey, 26),
    ]

    @Test func everyErrorIsReportedAtOnceWithPathAndLine() throws {
        let error = try #require(manifestError(Self.everythingWrong, handlers: Self.handlers))
        let errors = error.errors
        for (path, kind, line) in Self.expectedErrors {
            let match = errors.first { $0.path == path && $0.kind == kind }
            #expect(match != nil, "missing \(kind) at \(path)\n\(error)")
            #expect(match?.line == line, "\(path) should be on line \(line)")
        }
        #expect(errors.count == Self.expectedErrors.count, "\(error)")
        for diagnostic in errors {
            #expect(diagnostic.line != nil && diagnostic.column != nil, "\(diagnostic) has no location")
            #expect(!diagnostic.fix.isEmpty)
        }
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == error.diagnostics.count)
        #expect(lines.allSatisfy { $0.hasPrefix("functions.json:") && $0.contains(" Fix: ") })
        let sortedLines = errors.compactMap(\.line)
        #expect(sortedLines == sortedLines.sorted(), "errors are listed in file order")
    }

    @Test func messagesSayWhatToDo() throws {
        let error = try #require(manifestError(Self.everythingWrong, handlers: Self.handlers))
        func diagnostic(_ path: String, _ kind: ManifestDiagnostic.Kind) -> ManifestDiagnostic? {
            error.errors.first { $0.path == path && $0.kind == kind }
        }
        let batch = try #require(diagnostic("$.functions[0].trigger.batch_size", .outOfRange))
        #expect(batch.formatted(file: "functions.json")
            == "functions.json:12:51: error: $.functions[0].trigger.batch_size: batch_size 0 is out of range: use 1…10000. Fix: set batch_size between 1 and 10000 (default 10).")
        #expect(diagnostic("$.functions[0].trigger.batchsize", .unknownKey)?.fix.contains("did you mean \"batch_size\"") == true)
        let handler = try #require(diagnostic("$.functions[2].handler", .unknownHandler))
        #expect(handler.fix.contains("did you mean \"AuditLogger\""))
        #expect(handler.fix.contains("AuditLogger, Scaler, ShipOrder, Unused"))
        #expect(diagnostic("$.functions[2].trigger.queue", .unknownQueue)?.fix.contains("did you mean \"orders\"") == true)
        #expect(diagnostic("$.producers[4].queue", .unknownQueue)?.fix.contains("did you mean \"orders\"") == true)
        #expect(diagnostic("$.queues[0].visibility_timeout", .visibilityTimeoutTooShort)?.fix.contains("at least 6m (6× the timeout)") == true)
        #expect(diagnostic("$.producers[1].route", .invalidRoute)?.fix.contains("GET, POST, PUT, PATCH, DELETE") == true)
        #expect(diagnostic("$.queues[0].max_receive_count", .wrongType)?.fix == "write 5 without quotes")
        let unused = try #require(diagnostic("$.functions", .unusedHandler))
        #expect(unused.message.contains("\"Unused\""))
        #expect(!error.errors.contains { $0.kind == .unusedHandler && $0.message.contains("AuditLogger") },
                "a handler suggested by a did-you-mean is not also reported as unused")
    }

    @Test func missingTopLevelArraysAndWrongRoot() throws {
        let error = try #require(manifestError(#"{"producers": {}}"#))
        #expect(error.errors.map(\.path) == ["$.producers", "$.queues", "$.functions"] || Set(error.errors.map(\.path)) == ["$.producers", "$.queues", "$.functions"])
        #expect(error.errors.allSatisfy { $0.line == 1 })
        let notObject = try #require(manifestError("[]"))
        #expect(notObject.errors.first?.kind == .wrongType)
        #expect(notObject.errors.first?.path == "$")
    }

    @Test func camelCaseKeysSuggestSnakeCase() throws {
        let error = try #require(manifestError(oneFunctionManifest(trigger: "\"batchSize\": 5")))
        #expect(error.errors.first?.kind == .unknownKey)
        #expect(error.errors.first?.fix.hasPrefix("did you mean \"batch_size\"?") == true)
    }

    @Test(arguments: [
        ("POST /imports", true), ("DELETE /a/b-c_d.e~f", true), ("post /imports", false), ("POST  /imports", false),
        ("POST /a b", false), ("POST /a?b=1", false), ("POST /a#b", false), ("POST", false), ("/imports", false),
        ("GET /", false), ("GET /metrics", false), ("GET /api", false), ("PUT /api/queues", false), ("GET /dashboard", false),
        ("GET /dashboards/x", false), ("GET /apis", true), ("GET /metrics-in", true),
    ])
    func routes(route: String, valid: Bool) {
        let json = oneFunctionManifest().replacingOccurrences(
            of: "\n}", with: ",\n  \"producers\": [{\"type\": \"http\", \"route\": \(JSONText.string(route)), \"queue\": \"jobs\"}]\n}"
        )
        let error = manifestError(json)
        #expect((error == nil) == valid, "\(route): \(error.map(String.init(describing:)) ?? "valid")")
        if !valid { #expect(error?.errors.first?.path == "$.producers[0].route") }
    }
}
