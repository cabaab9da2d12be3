import Foundation

/// Finds Chromium for the dashboard tests, installing Debian's package with apt-get
/// when it is missing and the tests run as root.
enum HeadlessChromium {
    private static let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                                     "/snap/bin/chromium"]

    /// The browser's path, or why there is none.
    struct Lookup: Sendable {
        var path: String?
        var unavailableReason: String
    }

    /// Finds the browser once per test process, installing it first if needed. Blocks:
    /// call it off the cooperative pool (see ``isAvailable()``).
    static let lookup: Lookup = {
        if let found = candidates.first(where: FileManager.default.isExecutableFile) { return Lookup(path: found, unavailableReason: "") }
        guard getuid() == 0 else {
            return Lookup(path: nil, unavailableReason: "Chromium is not installed and the tests are not root; run: sudo apt-get install -y chromium")
        }
        let apt = "/usr/bin/apt-get"
        guard FileManager.default.isExecutableFile(atPath: apt) else {
            return Lookup(path: nil, unavailableReason: "Chromium is not installed and apt-get is not available; install Chromium to run the dashboard test")
        }
        print("installing Chromium for the dashboard test: apt-get update && apt-get install -y chromium")
        let update = run(apt, ["update"])
        let install = run(apt, ["install", "-y", "--no-install-recommends", "chromium"])
        if let found = candidates.first(where: FileManager.default.isExecutableFile) { return Lookup(path: found, unavailableReason: "") }
        return Lookup(path: nil, unavailableReason: "Chromium could not be installed (apt-get update: \(update); apt-get install: \(install))")
    }()

    /// Whether a browser is (or could be made) available; prints why not when it is not.
    static func isAvailable() async throws -> Bool {
        let lookup = try await offPool { HeadlessChromium.lookup }
        if lookup.path == nil { print("SKIPPING the dashboard browser test: \(lookup.unavailableReason)") }
        return lookup.path != nil
    }

    private static func run(_ path: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["DEBIAN_FRONTEND": "noninteractive"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return "could not start: \(error)"
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let tail = String(decoding: data.suffix(400), as: UTF8.self)
        return "exit \(process.terminationStatus)\(process.terminationStatus == 0 ? "" : ": \(tail)")"
    }

    /// The headless flags every run uses, with a fresh profile directory.
    static func arguments(profile: URL, _ extra: [String]) -> [String] {
        ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-dev-shm-usage",
         "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"] + extra
    }
}
