import Foundation
import QueueFunctionsHost

/// One fixed run for an instruction profiler (Benchmarks/callgrind.sh):
/// `QueueBenchmarks profile-run fill|e2e|sends sqlite|memory COUNT`.
///
/// `fill` sends COUNT messages, 100 per call, to a fresh store; `e2e` does the same and then
/// drains them with the real host (2 workers, batch 10, no-op RawBody handler); `sends` makes
/// COUNT single sends from 8 concurrent tasks. The profiler subtracts a `fill` run from an
/// `e2e` run of the same size to get the drain alone.
enum ProfileRun {
    static let command = "profile-run"

    static func main(_ arguments: [String]) async throws {
        let usage = "usage: QueueBenchmarks \(command) fill|e2e|sends sqlite|memory COUNT"
        guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else { throw BenchmarkError(usage) }
        let engine: BenchEngine
        switch arguments[1] {
        case "sqlite": engine = .sqlite(.normal)
        case "memory": engine = .memory
        default: throw BenchmarkError("unknown engine '\(arguments[1])'\n\(usage)")
        }
        switch arguments[0] {
        case "fill":
            let open = try await engine.open()
            let seconds = try await EndToEndBenchmark.fill(open.store, count: count)
            await open.close()
            print("\(command) fill \(engine) messages \(count) enqueue \(Format.rate(Double(count) / seconds)) msg/s")
        case "e2e":
            let run = try await EndToEndBenchmark.measure(engine, .raw, workers: 2, backlog: count)
            print("\(command) e2e \(engine) messages \(count) drain \(Format.rate(run.drain)) msg/s")
        case "sends":
            let run = try await SendBenchmark.singleSends(engine, tasks: 8, messages: count)
            print("\(command) sends \(engine) messages \(count) \(Format.rate(run.rate)) msg/s")
        default:
            throw BenchmarkError("unknown phase '\(arguments[0])'\n\(usage)")
        }
    }
}
