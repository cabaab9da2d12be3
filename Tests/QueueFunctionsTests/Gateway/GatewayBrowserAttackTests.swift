import Foundation
import Synchronization
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
import QueueFunctionsTesting

/// The attacks themselves, in a real browser: headless Chromium resolves `evil.example`
/// to 127.0.0.1 (`--host-resolver-rules`), loads a page from it, and that page tries to
/// purge the host's dead-letter queue with a cross-site form; another run loads the host
/// itself under the rebound name.
@Suite("Gateway in a real browser: cross-site form and DNS rebinding")
struct GatewayBrowserAttackTests {
    /// The attacker's page, set once the host's port is known.
    private final class Page: Sendable {
        let html = Mutex("")
    }

    /// Runs `body` with the port of a server of its own that serves `page` (the attacker's site).
    private func withAttackerSite(_ page: Page, _ body: (Int) async throws -> Void) async throws {
        try await withHTTPServer(.testing(), handler: { _ in .html(page.html.withLock { $0 }) }) { server in
            try await body(server.boundPort)
        }
    }

    /// Loads `url` in Chromium, with `evil.example` pointing at this machine; the final DOM.
    private func load(_ url: String) async throws -> String {
        let browser = try #require(HeadlessChromium.lookup.path)
        let profile = try RepositoryPaths.temporaryDirectory("qf-chromium-attack")
        defer { try? FileManager.default.removeItem(at: profile) }
        let run = try await runProcess(browser, HeadlessChromium.arguments(profile: profile, [
            "--host-resolver-rules=MAP evil.example 127.0.0.1", "--dump-dom", url,
        ]), timeout: 90)
        #expect(run.status == 0, "chromium failed: \(run.output.suffix(2000))")
        return run.output
    }

    /// A page that posts an empty form to the host's purge endpoint as soon as it loads.
    private static func purgeForm(port: Int) -> String {
        """
        <!doctype html><html><body>
        <form method="POST" action="http://127.0.0.1:\(port)/api/dlq/jobs/purge"></form>
        <script>document.forms[0].submit();</script>
        </body></html>
        """
    }

    @Test(
        "a page on evil.example cannot purge the DLQ with a form; with --cors-origin for it, the same form can",
        .enabled("needs Chromium (installed with apt-get when missing)") { try await HeadlessChromium.isAvailable() },
        .timeLimit(.minutes(4))
    )
    func crossSiteFormIsRefused() async throws {
        for optedIn in [false, true] {
            let page = Page()
            try await withAttackerSite(page) { attackerPort in
                let origin = "http://evil.example:\(attackerPort)"
                try await withGateway(corsOrigins: optedIn ? [origin] : []) { fixture in
                    _ = try await fixture.host.queues.send(body: Data(#"{"number": 1}"#.utf8), to: "jobs-dlq")
                    page.html.withLock { $0 = Self.purgeForm(port: fixture.port) }
                    let dom = try await load(origin + "/")
                    let left = try await fixture.testHost.stats("jobs-dlq").total
                    if optedIn {
                        // The control: the browser really sends the form, and an opted-in origin gets through.
                        #expect(dom.contains(#""action":"purge""#), "\(dom.suffix(2000))")
                        #expect(left == 0)
                    } else {
                        #expect(dom.contains("Refused a cross-site POST"), "the browser should show the 403: \(dom.suffix(2000))")
                        #expect(left == 1, "the page purged the dead-letter queue")
                    }
                }
            }
        }
    }

    @Test(
        "the host loaded under a rebound name (evil.example → 127.0.0.1) answers 421, not the dashboard",
        .enabled("needs Chromium (installed with apt-get when missing)") { try await HeadlessChromium.isAvailable() },
        .timeLimit(.minutes(4))
    )
    func reboundNameIsRefused() async throws {
        try await withGateway { fixture in
            let rebound = try await load("http://evil.example:\(fixture.port)/api/dlq")
            #expect(rebound.contains("is not a name of this host"), "\(rebound.suffix(2000))")
            #expect(!rebound.contains("dead_letter_queues"))
            let loopback = try await load("http://localhost:\(fixture.port)/api/dlq")
            #expect(loopback.contains("dead_letter_queues"), "\(loopback.suffix(2000))")
        }
    }
}
