import Foundation

// QueueBenchmarks: send rate, end-to-end throughput, latency and memory of the
// QueueFunctions engines. See Benchmarks/BENCHMARKS.md for results and commands.

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    if arguments.first == MemoryBenchmark.childCommand {
        try await MemoryBenchmark.childMain(Array(arguments.dropFirst()))
        exit(0)
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
        case .publish: table = try await PublishBenchmark.run(options)
        case .fifo: table = try await FIFOBenchmark.run(options)
        }
        table.notes.append("Load average when the table finished: \(MachineInfo.loadAverage) on \(ProcessInfo.processInfo.activeProcessorCount) cores.")
        print("")
        table.print(markdown: options.markdown)
    }
} catch {
    FileHandle.standardError.write(Data("QueueBenchmarks: \(error)\n".utf8))
    exit(1)
}
