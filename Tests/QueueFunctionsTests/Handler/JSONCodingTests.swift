import Foundation
import Synchronization
import Testing
import QueueFunctions
import QueueFunctionsTesting

private struct Signup: Codable, Sendable, Equatable {
    var userName: String
    var signedUpAt: Date
}

private struct Welcome: Codable, Sendable {
    var userName: String
    var sendAt: Date
}

private struct SignupFunction: MessageFunction {
    typealias Message = Signup
    let seen: Seen

    func handle(_ message: Signup, metadata: MessageMetadata, context: FunctionContext) async throws {
        seen.signups.withLock { $0.append(message) }
        try await context.send(Welcome(userName: message.userName, sendAt: message.signedUpAt.addingTimeInterval(3_600)), to: "welcome")
    }
}

private final class Seen: Sendable {
    let signups = Mutex<[Signup]>([])
}

@Suite("Per-function JSON coding")
struct JSONCodingTests {
    private let body = Data(#"{"user_name":"ada","signed_up_at":"2026-01-01T12:00:00Z"}"#.utf8)

    private func host(coding: JSONCoding, seen: Seen) throws -> TestHost {
        var registry = FunctionRegistry()
        registry.register("Signup", coding: coding) { SignupFunction(seen: seen) }
        let manifest = Manifest(
            queues: [QueueConfig(name: "signups", deadLetterQueue: "signups-dlq"), QueueConfig(name: "signups-dlq"),
                     QueueConfig(name: "welcome")],
            functions: [FunctionConfig(name: "signup", handler: "Signup", trigger: TriggerConfig(queue: "signups"))]
        )
        return try TestHost(manifest: manifest, registry: registry)
    }

    @Test("snake_case keys and ISO 8601 dates decode, and context.send encodes with the same coding")
    func snakeCaseAndISO8601() async throws {
        let seen = Seen()
        let host = try host(coding: .snakeCaseISO8601, seen: seen)
        try await host.send(body: body, to: "signups")
        try await host.settle()
        let expected = Signup(userName: "ada", signedUpAt: Date(timeIntervalSince1970: 1_767_268_800))
        #expect(seen.signups.withLock { $0 } == [expected])
        #expect(try await host.deadLetters(of: "signups").isEmpty)
        let sent = try await host.store.peek("welcome", limit: 10)
        #expect(sent.count == 1)
        let text = sent.first.flatMap { String(data: $0.body, encoding: .utf8) } ?? ""
        #expect(text.contains(#""user_name":"ada""#))
        #expect(text.contains(#""send_at":"2026-01-01T13:00:00Z""#))
        await host.shutdown()
    }

    @Test("the default coding keeps today's behaviour: such a body is dead-lettered as undecodable")
    func defaultCodingRefusesSnakeCase() async throws {
        let seen = Seen()
        let host = try host(coding: .default, seen: seen)
        try await host.send(body: body, to: "signups")
        try await host.settle()
        #expect(seen.signups.withLock { $0 }.isEmpty)
        let dead = try await host.deadLetters(of: "signups")
        #expect(dead.count == 1)
        #expect(dead.first?.deadLetter?.reason.contains("userName") == true)
        await host.shutdown()
    }

    @Test("the gateway's body check uses the function's decoder")
    func bodyCheckUsesTheDecoder() {
        var registry = FunctionRegistry()
        let seen = Seen()
        registry.register("Snake", coding: .snakeCaseISO8601) { SignupFunction(seen: seen) }
        registry.register("Plain") { SignupFunction(seen: seen) }
        #expect(registry.entry(named: "Snake")?.validate(body) == nil)
        #expect(registry.entry(named: "Plain")?.validate(body)?.contains("userName") == true)
    }

    @Test("custom decoder and encoder factories are used")
    func customFactories() throws {
        let coding = JSONCoding(
            decoder: {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .secondsSince1970
                return decoder
            },
            encoder: {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                return encoder
            }
        )
        let decoded = try coding.makeDecoder().decode(Welcome.self, from: Data(#"{"userName":"x","sendAt":60}"#.utf8))
        #expect(decoded.sendAt == Date(timeIntervalSince1970: 60))
        let encoded = String(decoding: try coding.makeEncoder().encode(["b": 1, "a": 2]), as: UTF8.self)
        #expect(encoded == #"{"a":2,"b":1}"#)
    }
}
