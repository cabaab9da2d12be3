import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// Keeps `Samples/functions.schema.json` in step with what the loader accepts.
@Suite("Manifest JSON Schema")
struct ManifestSchemaTests {
    static let schemaURL = RepositoryPaths.root.appendingPathComponent("Samples/functions.schema.json")

    static func schema() throws -> JSONValue {
        let text = try String(contentsOf: schemaURL, encoding: .utf8)
        return try JSONParser.parse(text)
    }

    /// The members of the object at `keys` below `value`.
    static func members(_ value: JSONValue, _ keys: String...) throws -> [JSONMember] {
        var current = value
        for key in keys {
            guard case .object(let members) = current.kind, let next = members.first(where: { $0.key == key }) else {
                throw SchemaShapeError(path: keys.joined(separator: "."))
            }
            current = next.value
        }
        guard case .object(let members) = current.kind else { throw SchemaShapeError(path: keys.joined(separator: ".")) }
        return members
    }

    struct SchemaShapeError: Error { var path: String }

    @Test func schemaListsExactlyTheKeysTheLoaderAccepts() throws {
        let schema = try Self.schema()
        #expect(try Self.members(schema, "properties").map(\.key) == ManifestKeys.root)
        #expect(try Self.members(schema, "$defs", "host", "properties").map(\.key) == ManifestKeys.host)
        #expect(try Self.members(schema, "$defs", "queue", "properties").map(\.key) == ManifestKeys.queue)
        #expect(try Self.members(schema, "$defs", "function", "properties").map(\.key) == ManifestKeys.function)
        #expect(try Self.members(schema, "$defs", "function", "properties", "trigger", "properties").map(\.key) == ManifestKeys.trigger)
        #expect(try Self.members(schema, "$defs", "function", "properties", "retry", "properties").map(\.key) == ManifestKeys.retry)
        #expect(try Self.members(schema, "$defs", "function", "properties", "scale", "properties").map(\.key) == ManifestKeys.scale)
        #expect(try Self.members(schema, "$defs", "producer", "properties").map(\.key) == ManifestKeys.producer)
        #expect(try Self.members(schema, "$defs", "topic", "properties").map(\.key) == ManifestKeys.topic)
        #expect(try Self.members(schema, "$defs", "subscription", "properties").map(\.key) == ManifestKeys.subscription)
    }

    @Test func schemaFilterOperatorsAreTheLoaderOperators() throws {
        let schema = try Self.schema()
        let filter = try Self.members(schema, "$defs", "filter")
        let items = try #require(filter.first { $0.key == "additionalProperties" })
        guard case .object(let list) = items.value.kind, let itemMember = list.first(where: { $0.key == "items" }),
              case .object(let itemFields) = itemMember.value.kind, let anyOf = itemFields.first(where: { $0.key == "anyOf" }),
              case .array(let options) = anyOf.value.kind else {
            throw SchemaShapeError(path: "$defs.filter.additionalProperties.items.anyOf")
        }
        var operators: [String] = []
        for option in options {
            guard case .object(let fields) = option.kind, let properties = fields.first(where: { $0.key == "properties" }),
                  case .object(let keys) = properties.value.kind else { continue }
            operators += keys.map(\.key)
        }
        #expect(operators == ManifestKeys.filterOperators)
    }

    /// `{"key": default, …}` for every property of the schema object at `keys` that has a default.
    static func defaultsObject(_ schema: JSONValue, _ keys: String...) throws -> String {
        var current = schema
        for key in keys {
            guard case .object(let members) = current.kind, let next = members.first(where: { $0.key == key }) else {
                throw SchemaShapeError(path: keys.joined(separator: "."))
            }
            current = next.value
        }
        guard case .object(let properties) = current.kind else { throw SchemaShapeError(path: keys.joined(separator: ".")) }
        var pairs: [String] = []
        for property in properties {
            guard case .object(let details) = property.value.kind, let value = details.first(where: { $0.key == "default" })?.value else {
                continue
            }
            switch value.kind {
            case .string(let text): pairs.append("\(JSONText.string(property.key)): \(JSONText.string(text))")
            case .number(_, let text): pairs.append("\(JSONText.string(property.key)): \(text)")
            default: continue
            }
        }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    @Test func schemaDefaultsAreTheModelDefaults() throws {
        let schema = try Self.schema()
        let host = try Self.defaultsObject(schema, "$defs", "host", "properties")
        let queue = try Self.defaultsObject(schema, "$defs", "queue", "properties")
        let trigger = try Self.defaultsObject(schema, "$defs", "function", "properties", "trigger", "properties")
        let function = try Self.defaultsObject(schema, "$defs", "function", "properties")
        let retry = try Self.defaultsObject(schema, "$defs", "function", "properties", "retry", "properties")
        let scale = try Self.defaultsObject(schema, "$defs", "function", "properties", "scale", "properties")
        let json = """
        {"host": \(host),
         "queues": [\(queue.dropLast()), "name": "jobs"}],
         "functions": [\(function.dropLast()), "name": "work", "handler": "Worker",
                        "trigger": \(trigger.dropLast()), "queue": "jobs"}, "retry": \(retry), "scale": \(scale)}]}
        """
        let manifest = try loadManifest(json).manifest
        #expect(manifest.host == HostConfig())
        #expect(manifest.queues.first == QueueConfig(name: "jobs", deadLetterQueue: "jobs-dlq"))
        #expect(manifest.functions == [FunctionConfig(name: "work", handler: "Worker", trigger: TriggerConfig(queue: "jobs"))])
        #expect(host.contains("max_workers") && scale.contains("scale_down_stabilization") && retry.contains("jitter"))
    }
}
