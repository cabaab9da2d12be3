import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
import QueueFunctionsTesting

/// A web page the developer has open must not be able to act on the local host: no DNS
/// rebinding (foreign `Host`), no cross-site request forgery (foreign `Origin`,
/// `Sec-Fetch-Site: cross-site`, form bodies), while curl and opted-in front ends still work.
@Suite("Gateway refuses web pages it does not know")
struct GatewayBrowserSafetyTests {
    /// Puts `count` messages into `jobs-dlq`, so a purge would be visible.
    private func fillDeadLetterQueue(_ fixture: GatewayFixture, count: Int = 2) async throws {
        for number in 0..<count {
            _ = try await fixture.host.queues.send(body: Data(#"{"number": \#(number)}"#.utf8), to: "jobs-dlq")
        }
    }

    @Test("a foreign Host gets 421 naming the allowed hosts and --allowed-host, on every route", arguments: [
        ("GET", "/api/dlq"), ("GET", "/"), ("GET", "/metrics"), ("POST", "/jobs"), ("POST", "/api/dlq/jobs/purge"),
    ])
    func foreignHostIsMisdirected(_ method: String, _ path: String) async throws {
        try await withGateway { fixture in
            try await fillDeadLetterQueue(fixture)
            let response = try await httpRequest(port: fixture.port, method, path, headers: ["Host": "evil.example:\(fixture.port)"],
                                                 body: method == "POST" ? #"{"number": 1}"# : nil)
            #expect(response.status == 421)
            #expect(response.errorText.contains("evil.example"))
            #expect(response.errorText.contains("--allowed-host"))
            #expect(response.errorText.contains("localhost"))
            #expect(try await fixture.testHost.stats("jobs-dlq").total == 2, "a rebound page purged the DLQ")
            #expect(try await fixture.testHost.stats("jobs").total == 0, "a rebound page queued a message")
        }
    }

    @Test("loopback names pass the Host check, with or without a port", arguments: [
        "localhost", "LOCALHOST:7071", "app.localhost:7071", "127.0.0.1", "127.0.0.1:7071", "[::1]:7071", "localhost.",
    ])
    func loopbackHostsPass(_ host: String) async throws {
        try await withGateway { fixture in
            let response = try await httpRequest(port: fixture.port, "GET", "/api/host", headers: ["Host": host])
            #expect(response.status == 200, "\(response.bodyText)")
        }
    }

    @Test("--allowed-host lets one more name (or every name under a suffix) through")
    func allowedHostsPass() async throws {
        try await withGateway(allowedHosts: ["queues.test", ".lan"]) { fixture in
            for host in ["queues.test:7071", "box.lan", "a.b.lan"] {
                let response = try await httpRequest(port: fixture.port, "GET", "/api/host", headers: ["Host": host])
                #expect(response.status == 200, "\(host): \(response.bodyText)")
            }
            let other = try await httpRequest(port: fixture.port, "GET", "/api/host", headers: ["Host": "other.test"])
            #expect(other.status == 421)
            #expect(other.errorText.contains("queues.test"), "the message should list the allowed names: \(other.errorText)")
        }
    }

    @Test("an evil.example Origin cannot purge the DLQ, queue a message or redrive")
    func crossSiteOriginIsRefused() async throws {
        try await withGateway { fixture in
            try await fillDeadLetterQueue(fixture)
            let origin = ["Origin": "http://evil.example"]
            let purge = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/purge", headers: origin)
            #expect(purge.status == 403)
            #expect(purge.errorText.contains("--cors-origin http://evil.example"), "\(purge.errorText)")
            let produce = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: origin.merging(["Content-Type": "text/plain"]) { $1 },
                                                body: #"{"number": 1}"#)
            #expect(produce.status == 403)
            let send = try await httpRequest(port: fixture.port, "POST", "/api/queues/jobs/messages", headers: origin, body: #"{"number": 1}"#)
            #expect(send.status == 403)
            let redrive = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/redrive", headers: origin)
            #expect(redrive.status == 403)
            let null = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/purge", headers: ["Origin": "null"])
            #expect(null.status == 403, "a sandboxed page (Origin: null) must not purge either")

            #expect(try await fixture.testHost.stats("jobs-dlq").total == 2, "the DLQ was purged or redriven")
            #expect(try await fixture.testHost.stats("jobs").total == 0, "a message was queued")
            // Reading is not a state change: the page cannot read the answer without CORS anyway.
            let read = try await httpRequest(port: fixture.port, "GET", "/api/dlq", headers: origin)
            #expect(read.status == 200)
            #expect(read.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("Sec-Fetch-Site: cross-site is refused even without an Origin header")
    func secFetchSiteCrossSiteIsRefused() async throws {
        try await withGateway { fixture in
            try await fillDeadLetterQueue(fixture)
            let response = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/purge", headers: ["Sec-Fetch-Site": "cross-site"])
            #expect(response.status == 403)
            #expect(response.errorText.contains("Sec-Fetch-Site"))
            #expect(try await fixture.testHost.stats("jobs-dlq").total == 2)
        }
    }

    @Test("same-origin pages (the dashboard) and curl-like requests without Origin still work")
    func sameOriginAndCurlStillWork() async throws {
        try await withGateway { fixture in
            try await fillDeadLetterQueue(fixture, count: 1)
            let sameOrigin = ["Origin": "http://127.0.0.1:\(fixture.port)", "Sec-Fetch-Site": "same-origin",
                              "Host": "127.0.0.1:\(fixture.port)"]
            let produced = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: sameOrigin, body: #"{"number": 1}"#)
            #expect(produced.status == 202, "\(produced.bodyText)")
            let purged = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/purge", headers: sameOrigin)
            #expect(purged.status == 200, "\(purged.bodyText)")
            #expect(purged.json["count"] as? Int == 1)

            let curl = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                             body: #"{"number": 2}"#)
            #expect(curl.status == 202, "curl -d sends a form content type; producer routes still take it: \(curl.bodyText)")
            let send = try await httpRequest(port: fixture.port, "POST", "/api/queues/outbox/messages", body: "{}")
            #expect(send.status == 202, "\(send.bodyText)")
        }
    }

    @Test("--cors-origin: the preflight is answered and the POST works, with Allow-Origin in the answer")
    func allowedOriginPreflightAndPost() async throws {
        let frontEnd = "http://localhost:5173"
        try await withGateway(corsOrigins: [frontEnd]) { fixture in
            let preflight = try await httpRequest(port: fixture.port, "OPTIONS", "/jobs", headers: [
                "Origin": frontEnd, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, idempotency-key",
            ])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == frontEnd)
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
            let allowedHeaders = preflight.header("Access-Control-Allow-Headers")?.lowercased() ?? ""
            for name in ["content-type", "idempotency-key", "authorization"] {
                #expect(allowedHeaders.contains(name), "\(name) missing from \(allowedHeaders)")
            }
            #expect(preflight.header("Access-Control-Max-Age") != nil)
            #expect(preflight.header("Vary")?.contains("Origin") == true)

            let post = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: [
                "Origin": frontEnd, "Sec-Fetch-Site": "cross-site", "Idempotency-Key": "k-1",
            ], body: #"{"number": 7}"#)
            #expect(post.status == 202, "\(post.bodyText)")
            #expect(post.header("Access-Control-Allow-Origin") == frontEnd)
            #expect(post.header("Access-Control-Expose-Headers")?.contains("X-Message-Id") == true)
            #expect(post.header("Vary")?.contains("Origin") == true)
            #expect(post.json["id"] is String, "\(post.bodyText)")

            let strangerPreflight = try await httpRequest(port: fixture.port, "OPTIONS", "/jobs", headers: [
                "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
            ])
            #expect(strangerPreflight.status == 403)
            #expect(strangerPreflight.header("Access-Control-Allow-Origin") == nil)
            let strangerPost = try await httpRequest(port: fixture.port, "POST", "/jobs", headers: ["Origin": "http://evil.example"],
                                                     body: #"{"number": 8}"#)
            #expect(strangerPost.status == 403)
        }
    }

    @Test("an admin POST with a form or text body gets 415; JSON or an empty body passes", arguments: [
        "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x",
    ])
    func adminFormBodyIsUnsupported(_ contentType: String) async throws {
        try await withGateway { fixture in
            try await fillDeadLetterQueue(fixture)
            let form = try await httpRequest(port: fixture.port, "POST", "/api/dlq/jobs/purge", headers: ["Content-Type": contentType],
                                             body: "confirm=yes")
            #expect(form.status == 415)
            #expect(form.errorText.contains("application/json"))
            let send = try await httpRequest(port: fixture.port, "POST", "/api/queues/jobs/messages", headers: ["Content-Type": contentType],
                                             body: #"{"number": 1}"#)
            #expect(send.status == 415)
            #expect(try await fixture.testHost.stats("jobs-dlq").total == 2)

            let json = try await httpRequest(port: fixture.port, "POST", "/api/queues/outbox/messages",
                                             headers: ["Content-Type": "application/json; charset=utf-8"], body: "{}")
            #expect(json.status == 202)
        }
    }

    @Test("malformed --allowed-host and --cors-origin values are refused before the gateway starts")
    func malformedSettingsAreRefused() async throws {
        let testHost = try TestHost(manifest: gatewayManifest(), registry: gatewayRegistry(Recorder()), logLevel: .warning)
        for bad in ["http://queues.test", "queues.test:80", "a b", "", "queues.test/path"] {
            #expect(throws: GatewayError.invalidAllowedHost(bad)) {
                try Gateway(host: testHost.host, configuration: .init(allowedHosts: [bad]))
            }
        }
        for bad in ["*", "null", "localhost:5173", "ftp://x.test", "http://x.test/app", "http://x.test:99999"] {
            #expect(throws: GatewayError.invalidCORSOrigin(bad)) {
                try Gateway(host: testHost.host, configuration: .init(corsOrigins: [bad]))
            }
        }
        #expect(GatewayError.invalidCORSOrigin("*").description.contains("http://localhost:5173"))
        await testHost.shutdown()
    }
}
