import Foundation

/// Paths inside this repository, found from this source file.
enum RepositoryPaths {
    /// The package root (the folder holding Package.swift).
    static var root: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // QueueFunctionsTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }

    /// The sample manifest at the repository root.
    static var manifest: URL { root.appendingPathComponent("functions.json") }

    /// A fresh temporary directory; remove it when done.
    static func temporaryDirectory(_ label: String = "qf") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
