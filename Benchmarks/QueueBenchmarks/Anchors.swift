import Foundation
import Synchronization

/// The two Swift anchors of `../shared/anchors/` (the machine's limits for a SQLite and
/// an in-memory queue): found, copied to a scratch folder under the temporary
/// directory, built in release mode there, and run. Nothing of them enters this repository.
struct Anchors {
    /// The environment variable that names the anchors folder (the one holding
    /// `sqlite-limit/` and `memory-limit/`).
    static let folderVariable = "QUEUEFUNCTIONS_BENCH_ANCHORS"

    /// One anchor package: its folder name, its product, and the arguments it runs with.
    struct Anchor {
        var folder: String
        var product: String
        var arguments: [String]
    }

    /// Raw SQLite from Swift: 200,000 messages, synchronous=NORMAL, sent 100 per
    /// transaction, leased 50 at a time with the previous batch's acks in the same transaction.
    static let sqlite = Anchor(folder: "sqlite-limit", product: "Limit", arguments: ["200000", "NORMAL", "100", "50"])
    /// A Mutex-guarded array drained by 2 worker tasks, 1,000,000 messages.
    static let memory = Anchor(folder: "memory-limit", product: "MemLimit", arguments: ["1000000", "2"])

    /// The size of memory-limit's message body.
    static let memoryBodyBytes = 194

    /// The anchors folder in use.
    let folder: URL
    /// Where the copies are built.
    let scratch: URL

    /// Finds the anchors folder: `explicit` (from `--anchors`), else ``folderVariable``,
    /// else `../shared/anchors` beside the package or the current directory.
    ///
    /// - Throws: ``BenchmarkError`` naming every place looked and how to point elsewhere.
    static func locate(explicit: String?) throws -> Anchors {
        var candidates: [URL] = []
        if let explicit {
            candidates = [URL(fileURLWithPath: explicit)]
        } else if let fromEnvironment = ProcessInfo.processInfo.environment[folderVariable], !fromEnvironment.isEmpty {
            candidates = [URL(fileURLWithPath: fromEnvironment)]
        } else {
            // This file is Benchmarks/QueueBenchmarks/Anchors.swift: the package root is two levels up.
            let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            candidates = [packageRoot, current].map { $0.appendingPathComponent("../shared/anchors").standardizedFileURL }
        }
        for candidate in candidates where contains(candidate, [sqlite, memory]) {
            let scratch = FileManager.default.temporaryDirectory
                .appendingPathComponent("queuefunctions-anchors-\(getuid())")
            return Anchors(folder: candidate, scratch: scratch)
        }
        throw BenchmarkError(
            "the anchors (sqlite-limit/ and memory-limit/) are not in "
                + candidates.map(\.path).joined(separator: " or ")
                + "; pass --anchors DIR or set \(folderVariable)=DIR to the folder that holds them"
        )
    }

    private static func contains(_ folder: URL, _ anchors: [Anchor]) -> Bool {
        anchors.allSatisfy {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0.folder)/Package.swift").path)
        }
    }

    /// Copies `anchor` to the scratch folder (sources only) and builds it in release mode
    /// with its build products in `.build-anchors` there.
    ///
    /// - Returns: The built executable.
    func build(_ anchor: Anchor) throws -> URL {
        let manager = FileManager.default
        let source = folder.appendingPathComponent(anchor.folder)
        let copy = scratch.appendingPathComponent(anchor.folder)
        try manager.createDirectory(at: copy, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources"] {
            let target = copy.appendingPathComponent(item)
            if manager.fileExists(atPath: target.path) { try manager.removeItem(at: target) }
            try manager.copyItem(at: source.appendingPathComponent(item), to: target)
        }
        let buildFolder = copy.appendingPathComponent(".build-anchors")
        _ = try Self.run(
            "/usr/bin/env",
            ["swift", "build", "-c", "release", "--package-path", copy.path, "--scratch-path", buildFolder.path],
            doing: "building the anchor \(anchor.folder) (copied to \(copy.path))"
        )
        return buildFolder.appendingPathComponent("release/\(anchor.product)")
    }

    /// Runs a built anchor once and returns the numbers it printed, by label
    /// (`enqueue`, `drain`, `end-to-end`/`e2e`), in messages per second.
    static func measure(_ executable: URL, _ anchor: Anchor) throws -> [String: Double] {
        let output = try run(executable.path, anchor.arguments, doing: "running the anchor \(anchor.folder)")
        let rates = parseRates(output)
        guard rates["enqueue"] != nil, rates["drain"] != nil, rates["e2e"] != nil else {
            throw BenchmarkError("the anchor \(anchor.folder) printed no enqueue, drain and end-to-end rates: \(output)")
        }
        return rates
    }

    /// Reads `enqueue N/s`, `drain… N/s` and `end-to-end N/s` (or `e2e N/s`) from one line
    /// such as `sync=NORMAL … enqueue 250000/s drain(lease10+ack10 per txn) 130000/s end-to-end 84000/s`.
    static func parseRates(_ output: String) -> [String: Double] {
        var rates: [String: Double] = [:]
        let words = output.split(whereSeparator: \.isWhitespace).map(String.init)
        let labels = ["enqueue": "enqueue", "drain": "drain", "end-to-end": "e2e", "e2e": "e2e"]
        for (index, word) in words.enumerated() where word.hasSuffix("/s") {
            guard let value = Double(word.dropLast(2)) else { continue }
            // The label is the nearest of the three words before, e.g. `drain(lease10+ack10 per txn)`.
            let before = words[Swift.max(0, index - 3)..<index].reversed()
            if let key = before.lazy.compactMap({ word in labels.first { word.hasPrefix($0.key) }?.value }).first {
                rates[key] = value
            }
        }
        return rates
    }

    /// Runs `program` with `arguments`, returning its standard output.
    ///
    /// - Throws: ``BenchmarkError`` with `action`, the exit status and the program's error output.
    private static func run(_ program: String, _ arguments: [String], doing action: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw BenchmarkError("\(action): could not start \(program): \(error)")
        }
        // Read both pipes to their ends before waiting, so that a full pipe cannot stall the child.
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }
        let text = String(decoding: outputData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let detail = String(decoding: errorData.value, as: UTF8.self) + text
            throw BenchmarkError("\(action) failed (status \(process.terminationStatus)): \(detail.suffix(2_000))")
        }
        return text
    }
}

/// Bytes handed from a reader thread, read once it has finished.
private final class LockedData: Sendable {
    private let data = Mutex<Data?>(nil)

    func set(_ value: Data) { data.withLock { $0 = value } }
    var isSet: Bool { data.withLock { $0 != nil } }
    var value: Data { data.withLock { $0 ?? Data() } }
}
