import Foundation
import Testing
@testable import QueueFunctions
import SampleFunctions

/// Seeded fuzzing of the manifest loader and validator, starting from the sample
/// `functions.json`: structured mutations (values swapped for huge, negative, NaN-like
/// or wrongly typed ones, keys deleted or added) and byte-level mutations.
@Suite("Fuzz: manifest loader and validator")
struct ManifestFuzzTests {
    /// Keys whose value is a number or a duration.
    static let numericKeys: Set<String> = [
        "max_workers", "idle_poll_interval", "shutdown_grace_period", "idempotency_window", "max_receive_count",
        "visibility_timeout", "batch_size", "batching_window", "timeout", "initial_delay", "max_delay", "multiplier",
        "jitter", "min_workers", "target_backlog_per_worker", "scale_interval", "max_scale_up_step", "scale_down_stabilization",
    ]
    /// Values no numeric key accepts.
    static let invalidForEveryNumber = [
        "1e300", "-1e300", "-1", "123456789012345678901234567890", "\"1e300s\"", "\"-5s\"", "\"NaN\"", "\"inf\"",
        "true", "null", "[]", "{}", "\"abc\"", "9223372036854775808",
    ]

    static let handlers = Set(SampleApp.registry(services: SampleServices()).names)

    static func sample() throws -> (data: Data, tree: FuzzJSON) {
        let data = try Data(contentsOf: RepositoryPaths.manifest)
        return (data, FuzzJSON(try JSONSerialization.jsonObject(with: data)))
    }

    /// Loads `data`; a failure must list at least one error, each with a message and a fix.
    static func load(_ data: Data) -> ManifestError? {
        do {
            _ = try ManifestLoader.parse(data, fileName: "functions.json", registeredHandlers: handlers)
            return nil
        } catch {
            #expect(!error.errors.isEmpty, "a refused manifest reports an error")
            for diagnostic in error.errors {
                #expect(!diagnostic.message.isEmpty && !diagnostic.fix.isEmpty, "\(diagnostic)")
            }
            return error
        }
    }

    @Test("the unmutated sample and its reserialized tree load")
    func sampleLoads() throws {
        let (data, tree) = try Self.sample()
        #expect(Self.load(data) == nil)
        #expect(Self.load(Data(tree.text.utf8)) == nil, "the fuzz tree writes the same manifest")
    }

    @Test("an invalid number anywhere is reported at its JSON path; other mutations never trap")
    func structuredMutations() async throws {
        let (_, tree) = try Self.sample()
        let positions = tree.positions()
        let numeric = positions.filter { $0.key.map(Self.numericKeys.contains) ?? false }
        #expect(numeric.count > 20)
        var random = SplitMix64(seed: Fuzz.seed &+ 10)
        var inputs = 0, refused = 0, pinpointed = 0
        for round in 0..<2_000 {
            await Task.yield()  // long CPU loops share the cooperative pool with the suite's socket tests
            let mutated: FuzzJSON?
            if round % 2 == 0 {
                // One numeric value replaced by a value no number key accepts: must be reported right there.
                let target = random.pick(numeric)
                let value = random.pick(Self.invalidForEveryNumber)
                mutated = tree.replacing(at: target.steps[...]) { _ in .raw(value) }
                let error = Self.load(Data((mutated?.text ?? "").utf8))
                #expect(error?.errors.contains { $0.path == target.path } == true, "\(target.path) = \(value) not reported")
                if error != nil { pinpointed += 1 }
            } else {
                var current: FuzzJSON? = tree
                for _ in 0..<(1 + random.below(3)) {
                    guard let base = current else { break }
                    let target = random.pick(base.positions())
                    current = base.replacing(at: target.steps[...]) { node in
                        switch random.below(5) {
                        case 0: return nil
                        case 1: return .raw(random.pick(Fuzz.nastyJSONValues))
                        case 2: return .object([("unexpected_key", .raw(random.pick(Fuzz.nastyJSONValues)))])
                        case 3: return .array([node, node])
                        default:
                            if case .object(var members) = node {
                                members.append((random.pick(Array(Self.numericKeys)), .raw(random.pick(Fuzz.nastyJSONValues))))
                                return .object(members)
                            }
                            return .raw(random.pick(Fuzz.nastyNumbers).isEmpty ? "0" : "\"\(random.pick(Fuzz.nastyNumbers))\"")
                        }
                    }
                }
                mutated = current
                if Self.load(Data((mutated?.text ?? "").utf8)) != nil { refused += 1 }
            }
            inputs += 1
        }
        print("fuzz manifest (structured): \(inputs) inputs, \(pinpointed) invalid numbers reported at their path, \(refused) other mutations refused")
        #expect(pinpointed == 1_000)
    }

    @Test("byte-level mutations of functions.json are loaded or refused with a diagnostic")
    func byteMutations() async throws {
        let (data, _) = try Self.sample()
        let bytes = [UInt8](data)
        var random = SplitMix64(seed: Fuzz.seed &+ 11)
        var refused = 0
        let count = 3_000
        for _ in 0..<count {
            await Task.yield()
            if Self.load(Data(Fuzz.mutateBytes(bytes, &random))) != nil { refused += 1 }
        }
        print("fuzz manifest (bytes): \(count) inputs, \(refused) refused with diagnostics")
        #expect(refused > count / 2)
    }
}
