import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost
import QueueFunctionsTesting

@Suite("Gateway dashboard", .serialized)
struct GatewayDashboardTests {
    @Test("the page is self-contained: no external scripts, styles, images or fonts")
    func selfContained() async throws {
        try await withGateway { fixture in
            let page = try await httpRequest(port: fixture.port, "GET", "/")
            #expect(page.status == 200)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            for external in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "@import", "url(http", "<link"] {
                #expect(!page.bodyText.contains(external), "the page refers to an external asset: \(external)")
            }
            let head = try await httpRequest(port: fixture.port, "HEAD", "/")
            #expect(head.status == 200)
            let post = try await httpRequest(port: fixture.port, "POST", "/", body: "{}")
            #expect(post.status == 405)
        }
    }

    @Test(
        "in headless Chromium the dashboard loads without errors and shows a chart per function, the DLQ and events",
        .enabled("needs Chromium (installed with apt-get when missing)") { try await HeadlessChromium.isAvailable() }
    )
    func rendersInBrowser() async throws {
        let browser = try #require(HeadlessChromium.lookup.path)
        let token = "dashboard-token-1"
        try await withGateway(adminToken: token) { fixture in
            for number in 0..<3 { try await fixture.testHost.send(Job(number: number), to: "jobs") }
            try await fixture.host.queues.send(body: Data(#"{"number": "not a number"}"#.utf8), to: "jobs")
            try await fixture.testHost.settle()
            #expect(try await eventually { try await fixture.gatewayHistoryCount >= 2 })

            let profile = try RepositoryPaths.temporaryDirectory("qf-chromium")
            defer { try? FileManager.default.removeItem(at: profile) }
            let url = "http://127.0.0.1:\(fixture.port)/"

            // With the token in the fragment: the page renders everything.
            let loaded = try await runProcess(browser, HeadlessChromium.arguments(profile: profile, ["--dump-dom", url + "#token=\(token)"]),
                                              timeout: 90)
            #expect(loaded.status == 0, "chromium failed: \(loaded.output.suffix(2000))")
            let dom = loaded.output
            #expect(dom.contains(#"data-self-check="ok""#), "the page did not finish its first render: \(dom.suffix(3000))")
            #expect(dom.contains(#"data-errors="0""#), "the page reported errors: \(dom)")
            #expect(dom.contains(#"data-charts="1""#))
            #expect(dom.contains(#"<svg class="chart""#))
            #expect(dom.contains(#"class="series-backlog""#))
            #expect(dom.contains(#"class="series-workers""#))
            #expect(dom.contains(#"<tr class="dlq" data-queue="jobs-dlq">"#))
            #expect(dom.contains(#"class="primary redrive" data-queue="jobs-dlq""#))
            #expect(dom.contains("dead letter"), "the dead-lettered message should be listed among the events")
            for line in dom.split(separator: "\n") where line.contains("CONSOLE") {
                #expect(!(line.contains("ERROR") || line.contains("Uncaught")), "console error: \(line)")
            }

            // Without the token: the page asks for it instead of failing.
            let refused = try await runProcess(browser, HeadlessChromium.arguments(profile: profile, ["--dump-dom", url]), timeout: 90)
            #expect(refused.output.contains(#"<section id="login" class="card shown">"#))
            #expect(refused.output.contains(#"data-errors="0""#))

            // The screenshot step documented in the README.
            let screenshot = profile.appendingPathComponent("dashboard.png")
            let shot = try await runProcess(browser, HeadlessChromium.arguments(profile: profile, [
                "--hide-scrollbars", "--window-size=1280,1400", "--screenshot=\(screenshot.path)", url + "#token=\(token)",
            ]), timeout: 90)
            #expect(shot.status == 0)
            let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "the screenshot is missing or blank (\(size) bytes)")
        }
    }
}

extension GatewayFixture {
    /// How many history samples the dashboard can draw.
    var gatewayHistoryCount: Int {
        get async throws {
            let response = try await httpRequest(port: port, "GET", "/api/history",
                                                 headers: gateway.configuration.adminToken.map { ["Authorization": "Bearer \($0)"] } ?? [:])
            return (response.json["samples"] as? [Any])?.count ?? 0
        }
    }
}
