import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway

/// Seeded fuzzing of the admin API, producer routes and pages through the gateway's
/// router in process: random methods, paths, queue names and query parameters with
/// nasty numbers, parsed from raw bytes as the server would.
@Suite("Fuzz: admin API paths and queries")
struct AdminAPIFuzzTests {
    /// Every admin endpoint with its method, the producer routes and pages, and a few near misses.
    static let routes: [(method: String, path: String)] = AdminAPI.endpoints.map { ("\($0.method)", $0.pattern) } + [
        ("GET", "/metrics"), ("GET", "/"), ("POST", "/jobs"), ("PUT", "/outbox"), ("GET", "/api/queues/{queue}/{queue}"),
        ("GET", "/api/"), ("GET", "/apis"), ("GET", "/api//queues"),
    ]
    static let queues = ["jobs", "outbox", "jobs-dlq", "outbox-dlq", "nope", "%2e%2e", "j%6Fbs", "", "a%00b", "%ff"]
    static let parameters = ["limit", "delay", "to", "kind", "function", "limit", "delay"]

    static func target(_ path: String, _ random: inout SplitMix64) -> String {
        var path = path
        while let range = path.range(of: "{queue}") { path.replaceSubrange(range, with: random.pick(queues)) }
        path = path.replacingOccurrences(of: "{function}", with: random.pick(["record-jobs", "nope", "%20"]))
        var query: [String] = []
        for _ in 0..<random.below(3) {
            let value = random.pick(Fuzz.nastyNumbers + queues)
            let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            query.append("\(random.pick(parameters))=\(random.chance(80) ? encoded : value)")
        }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    @Test("every request is answered 2xx to 5xx, and every error answer says why")
    func requests() async throws {
        let gateway = try InProcessGateway()
        var random = SplitMix64(seed: Fuzz.seed &+ 40)
        var statuses: [Int: Int] = [:]
        var unparsed = 0
        let count = 10_000
        for _ in 0..<count {
            await Task.yield()
            let route = random.pick(Self.routes)
            let method = random.chance(85) ? route.method : random.pick(["GET", "POST", "HEAD", "DELETE", "PUT"])
            let body = random.pick(["", #"{"a": 1}"#, #"{"order_id": 1e300}"#, "[", "null", #"{"event_id": "e"}"#])
            let text = "\(method) \(Self.target(route.path, &random)) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            guard let (request, response) = await gateway.respond(raw: Array(text.utf8)) else {
                unparsed += 1
                continue
            }
            statuses[response.status, default: 0] += 1
            #expect((200..<600).contains(response.status), "\(request.method) \(request.target): \(response.status)")
            #expect(response.status != 500, "\(request.method) \(request.target): \(response.text)")
            if response.status >= 400 {
                #expect(response.text.contains("\"error\""), "\(request.method) \(request.target): \(response.text)")
            }
        }
        await gateway.shutdown()
        let summary = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        print("fuzz admin API: \(count) inputs, \(unparsed) refused by the parser, statuses \(summary)")
        #expect(statuses[400, default: 0] > count / 20)
    }
}
