import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// `simulate WORKLOAD [--function NAME] [--json]`: replays a workload through the real
/// dispatcher and autoscaler on a virtual clock, beside fixed pools of min and max workers.
enum SimulateCommand {
    static let usage = "simulate [WORKLOAD.json] [--burst N[@T]] [--steady RATE[@FROM-TO]] [--ramp R1-R2@FROM-TO] "
        + "[--outage FROM-TO] [--handler-duration D|MIN-MAX] [--seed N] [--store-failure-rate R] "
        + "[--store-outage FROM-TO] [--lease-lapse-rate R] [--function NAME] "
        + "[--profiles native,aws-lambda-sqs,azure-storage-queue,keda] [--json]"

    static func run(_ context: CommandContext) async throws {
        var workload: Workload?
        if let path = context.words.first {
            do {
                workload = try Workload.load(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw CommandError.failed("\(error)")
            }
        } else if !WorkloadFlags.present(in: context.arguments) {
            throw CommandError.usage("give a workload file or workload flags. Usage: \(usage)")
        }
        if WorkloadFlags.present(in: context.arguments) {
            workload = try WorkloadFlags.apply(context.arguments, to: workload)
        }
        guard let workload else { throw CommandError.usage("Usage: \(usage)") }
        let report: SimulationReport
        do {
            if let list = context.arguments.value("--profiles") {
                let names = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let profiled = try await Simulator.run(workload: workload, profiles: names)
                context.output.line(context.wantsJSON ? try profiled.json() : profiled.profileTable())
                return
            }
            if let name = context.arguments.value("--function") {
                let manifest = try context.loadManifest()
                guard let function = manifest.function(named: name) else {
                    var text = "unknown function '\(name)'"
                    if let guess = Suggestion.closest(to: name, in: manifest.functions.map(\.name)) { text += "; did you mean '\(guess)'?" }
                    throw CommandError.failed(text + " Functions: \(manifest.functions.map(\.name).joined(separator: ", ")).")
                }
                report = try await Simulator.run(workload: workload, function: function, host: manifest.host)
            } else {
                report = try await Simulator.run(workload: workload)
            }
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError.failed("\(error)")
        }
        if context.wantsJSON {
            context.output.line(try report.json())
        } else {
            context.output.line(report.table())
        }
    }
}
