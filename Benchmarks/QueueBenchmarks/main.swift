import Foundation
import Synchronization

// QueueBenchmarks: send rate, end-to-end throughput, latency and memory of the
// QueueFunctions engines. See Benchmarks/BENCHMARKS.md for results and commands.
//
// The main thread is not async: it waits on a semaphore for the benchmark task. An async
// top-level would park it in libdispatch's sigsuspend, which valgrind 3.19 cannot run
// (it writes to the read-only signal mask and aborts), and Benchmarks/callgrind.sh needs valgrind.

/// Runs the command line; returns the process's exit status.
func runBenchmarks(_ arguments: [String]) async -> Int32 {
    do {
        if arguments.first == MemoryBenchmark.childCommand {
            try await MemoryBenchmark.childMain(Array(arguments.dropFirst()))
            return 0
        }
        if arguments.first == HostsBenchmarkChild.command {
            try await HostsBenchmarkChild.main(Array(arguments.dropFirst()))
            return 0
        }
        if arguments.first == ProfileRun.command {
            try await ProfileRun.main(Array(arguments.dropFirst()))
            return 0
        }
        let options = try BenchmarkOptions.parse(arguments)
        print(MachineInfo.summary)
        print("")
        for suite in options.suites {
            var table: ResultTable
            switch suite {
            case .send: table = try await SendBenchmark.run(options)
            case .e2e: table = try await EndToEndBenchmark.run(options)
            case .latency: table = try await LatencyBenchmark.run(options)
            case .memory: table = try await MemoryBenchmark.run(options)
            case .limits: table = try await LimitsBenchmark.run(options)
            case .publish: table = try await PublishBenchmark.run(options)
            case .fifo: table = try await FIFOBenchmark.run(options)
            case .hosts: table = try await HostsBenchmark.run(options)
            }
            table.notes.append("Load average when the table finished: \(MachineInfo.loadAverage) on \(ProcessInfo.processInfo.activeProcessorCount) cores.")
            print("")
            table.print(markdown: options.markdown)
        }
        return 0
    } catch {
        fflush(nil)
        FileHandle.standardError.write(Data("QueueBenchmarks: \(error)\n".utf8))
        return 1
    }
}

/// The exit status, handed from the benchmark task to the main thread.
final class ExitStatus: Sendable {
    let value = Atomic<Int32>(0)
    let finished = DispatchSemaphore(value: 0)
}

/// Runs the benchmarks on the global executor (not the main actor, whose queue a blocked
/// main thread would never drain) and waits for them on this thread.
func runAndWait(_ arguments: [String]) -> Int32 {
    let status = ExitStatus()
    Task.detached {
        status.value.store(await runBenchmarks(arguments), ordering: .releasing)
        status.finished.signal()
    }
    status.finished.wait()
    return status.value.load(ordering: .acquiring)
}

exit(runAndWait(Array(CommandLine.arguments.dropFirst())))
