import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// Builds or extends a ``Workload`` from `simulate`'s flags, for quick what-ifs without a file:
///
/// - `--burst N[@T]` — N messages at T (default 0s); several as `1000@10s,500@60s`
/// - `--steady RATE[@FROM-TO]` — RATE messages per second from FROM to TO (default 0s-60s)
/// - `--ramp R1-R2@FROM-TO` — the rate moving linearly from R1 to R2
/// - `--outage FROM-TO` — invocations starting in the window fail
/// - `--handler-duration D` or `MIN-MAX` — per message, fixed or uniform
/// - `--seed N`
/// - `--store-failure-rate R` — a share (0…1) of store calls fails with a retryable error
/// - `--store-outage FROM-TO` — every store call fails in the window; several as `10s-20s,60s-70s`
/// - `--lease-lapse-rate R` — a share (0…1) of leases lapses under its handler
enum WorkloadFlags {
    static let options = [
        "--burst", "--steady", "--ramp", "--outage", "--handler-duration", "--seed",
        "--store-failure-rate", "--store-outage", "--lease-lapse-rate",
    ]

    /// Whether any workload flag was given.
    static func present(in arguments: CommandArguments) -> Bool {
        options.contains { arguments.value($0) != nil }
    }

    /// `base` (or an empty workload) with the flags' phases added and their settings applied.
    static func apply(_ arguments: CommandArguments, to base: Workload?) throws -> Workload {
        var workload = base ?? Workload(name: "flags", phases: [])
        for item in list(arguments.value("--burst")) {
            let (count, at) = split(item, "@")
            let number = try checked("--burst", item, "N[@T], e.g. 1000@10s") { () throws(InputNumberError) in
                try InputNumber.whole(count, name: "count", in: .between(1, WorkloadLimits.messages))
            }
            workload.phases.append(.burst(at: try at.map { try duration($0, "--burst", item, in: WorkloadLimits.offset) } ?? .zero, count: number))
        }
        for item in list(arguments.value("--steady")) {
            let (rateText, window) = split(item, "@")
            let rate = try checked("--steady", item, "RATE[@FROM-TO], e.g. 20@0s-120s") { () throws(InputNumberError) in
                try InputNumber.decimal(rateText, name: "rate", in: WorkloadLimits.rate)
            }
            let (from, to) = try window.map { try range($0, "--steady", item) } ?? (.zero, .seconds(60))
            workload.phases.append(.steady(from: from, to: to, rate: rate))
        }
        for item in list(arguments.value("--ramp")) {
            let (rates, window) = split(item, "@")
            let (first, second) = split(rates, "-")
            guard let second, let window else { throw problem("--ramp", item, "R1-R2@FROM-TO, e.g. 0-100@0s-60s") }
            let (rateFrom, rateTo) = try checked("--ramp", item, "R1-R2@FROM-TO, e.g. 0-100@0s-60s") { () throws(InputNumberError) in
                (try InputNumber.decimal(first, name: "rate", in: WorkloadLimits.rate),
                 try InputNumber.decimal(second, name: "rate", in: WorkloadLimits.rate))
            }
            let (from, to) = try range(window, "--ramp", item)
            workload.phases.append(.ramp(from: from, to: to, rateFrom: rateFrom, rateTo: rateTo))
        }
        for item in list(arguments.value("--outage")) {
            let (from, to) = try range(item, "--outage", item)
            workload.phases.append(.outage(from: from, to: to))
        }
        if let text = arguments.value("--handler-duration") {
            let (low, high) = split(text, "-")
            if let high {
                let range = WorkloadLimits.handlerDuration
                let minimum = try duration(low, "--handler-duration", text, in: range)
                let maximum = try duration(high, "--handler-duration", text, in: range)
                guard maximum >= minimum else { throw CommandError.usage("--handler-duration '\(text)': MAX must not be below MIN") }
                workload.handlerDuration = .uniform(min: minimum, max: maximum)
            } else {
                workload.handlerDuration = .fixed(try duration(low, "--handler-duration", text, in: WorkloadLimits.handlerDuration))
            }
        }
        if let text = arguments.value("--store-failure-rate") {
            workload.storeFaults.failureRate = try share(text, "--store-failure-rate")
        }
        if let text = arguments.value("--lease-lapse-rate") {
            workload.storeFaults.leaseLapseRate = try share(text, "--lease-lapse-rate")
        }
        for item in list(arguments.value("--store-outage")) {
            let (from, to) = try range(item, "--store-outage", item)
            workload.storeFaults.outages.append(Workload.StoreFaults.Outage(at: from, duration: to - from))
        }
        if let text = arguments.value("--seed") {
            guard let seed = UInt64(text) else { throw problem("--seed", text, "a whole number from 0 to \(UInt64.max)") }
            workload.seed = seed
        }
        guard workload.phases.contains(where: { if case .outage = $0 { false } else { true } }) else {
            throw CommandError.usage("the workload sends no messages: give a file or --burst, --steady or --ramp")
        }
        if let problem = WorkloadLimits.messageCountProblem(workload) { throw CommandError.usage(problem) }
        return workload
    }

    private static func share(_ text: String, _ option: String) throws -> Double {
        guard let value = Double(text), value.isFinite, value >= 0, value <= 1 else {
            throw CommandError.usage("\(option) '\(text)' is not a share from 0 to 1; write e.g. 0.05 for 5%")
        }
        return value
    }

    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func split(_ text: String, _ separator: Character) -> (String, String?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<index]), String(text[text.index(after: index)...]))
    }

    private static func duration(_ text: String, _ option: String, _ item: String, in range: InputRange<Duration>) throws -> Duration {
        do {
            return try InputNumber.duration(text, name: "\(option) '\(item)':", in: range)
        } catch {
            throw CommandError.usage("\(error)")
        }
    }

    /// The value `read` returns; a malformed value is reported with `expected`, one out of range with its range.
    private static func checked<Value>(
        _ option: String, _ item: String, _ expected: String, _ read: () throws(InputNumberError) -> Value
    ) throws -> Value {
        do {
            return try read()
        } catch {
            if error.problem == .malformed { throw problem(option, item, expected) }
            throw CommandError.usage("\(option) '\(item)': \(error)")
        }
    }

    private static func range(_ text: String, _ option: String, _ item: String) throws -> (Duration, Duration) {
        let (from, to) = split(text, "-")
        guard let to else { throw problem(option, item, "a window FROM-TO, e.g. 60s-70s") }
        let start = try duration(from, option, item, in: WorkloadLimits.offset)
        let end = try duration(to, option, item, in: WorkloadLimits.offset)
        guard end > start else { throw CommandError.usage("\(option) '\(item)': the window must end after it starts") }
        return (start, end)
    }

    private static func problem(_ option: String, _ item: String, _ expected: String) -> CommandError {
        CommandError.usage("\(option) '\(item)' is not \(expected)")
    }
}
