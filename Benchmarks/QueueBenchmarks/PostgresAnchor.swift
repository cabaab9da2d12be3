import Foundation

/// The PostgreSQL anchor of `../shared/anchors/`: `pg-skip-locked.sh`, a Python queue on
/// `FOR UPDATE SKIP LOCKED` (4 consumer processes, batches of 10) on a cluster of its own.
enum PostgresAnchor {
    static let script = "pg-skip-locked.sh"

    /// Runs the anchor `runs` times and returns its median end-to-end rate (msg/s).
    ///
    /// - Parameter folder: The anchors folder (`--anchors`), else found as `limits` finds it.
    static func run(folder: String?, runs: Int) async throws -> Double {
        let anchors = try Anchors.locate(explicit: folder)
        let path = anchors.folder.appendingPathComponent(script).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw BenchmarkError("the PostgreSQL anchor is not at \(path); pass --anchors DIR with the folder that holds \(script)")
        }
        progress("  anchor: bash \(path) \(runs)")
        let output: String = try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [path, "\(runs)"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw BenchmarkError("the PostgreSQL anchor failed (status \(process.terminationStatus))")
            }
            return String(decoding: data, as: UTF8.self)
        }
        print(output, terminator: "")
        guard let rate = median(in: output, label: "end-to-end msg/s") else {
            throw BenchmarkError("the PostgreSQL anchor printed no end-to-end median: \(output)")
        }
        return rate
    }

    /// The number after `median` on the line that ends with `label`, e.g.
    /// `pg lock consumers=4 … min 15000 median 15700 max 16000 end-to-end msg/s (runs=3)`.
    static func median(in output: String, label: String) -> Double? {
        for line in output.split(separator: "\n") where line.contains(label) {
            let words = line.split(whereSeparator: \.isWhitespace)
            if let index = words.firstIndex(of: "median"), index + 1 < words.count, let value = Double(words[index + 1]) {
                return value
            }
        }
        return nil
    }
}
