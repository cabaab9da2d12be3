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
            guard let number = Int(count), number > 0 else { throw problem("--burst", item, "N[@T], e.g. 1000@10s") }
            workload.phases.append(.burst(at: try at.map { try duration($0, "--burst", item) } ?? .zero, count: number))
        }
        for item in list(arguments.value("--steady")) {
            let (rateText, window) = split(item, "@")
            guard let rate = Double(rateText), rate > 0 else { throw problem("--steady", item, "RATE[@FROM-TO], e.g. 20@0s-120s") }
            let (from, to) = try window.map { try range($0, "--steady", item) } ?? (.zero, .seconds(60))
            workload.phases.append(.steady(from: from, to: to, rate: rate))
        }
        for item in list(arguments.value("--ramp")) {
            let (rates, window) = split(item, "@")
            let (first, second) = split(rates, "-")
            guard let rateFrom = Double(first), let rateTo = second.flatMap(Double.init), let window else {
                throw problem("--ramp", item, "R1-R2@FROM-TO, e.g. 0-100@0s-60s")
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
                workload.handlerDuration = .uniform(min: try duration(low, "--handler-duration", text),
                                                    max: try duration(high, "--handler-duration", text))
            } else {
                workload.handlerDuration = .fixed(try duration(low, "--handler-duration", text))
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
            guard let seed = UInt64(text) else { throw problem("--seed", text, "a whole number") }
            workload.seed = seed
        }
        guard workload.phases.contains(where: { if case .outage = $0 { false } else { true } }) else {
            throw CommandError.usage("the workload sends no messages: give a file or --burst, --steady or --ramp")
        }
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

    private static func duration(_ text: String, _ option: String, _ item: String) throws -> Duration {
        guard let value = DurationText.parse(text) else {
            throw CommandError.usage("\(option) '\(item)': '\(text)' is not a duration; write e.g. 500ms, 30s, 5m")
        }
        return value
    }

    private static func range(_ text: String, _ option: String, _ item: String) throws -> (Duration, Duration) {
        let (from, to) = split(text, "-")
        guard let to else { throw problem(option, item, "a window FROM-TO, e.g. 60s-70s") }
        let start = try duration(from, option, item), end = try duration(to, option, item)
        guard end > start else { throw CommandError.usage("\(option) '\(item)': the window must end after it starts") }
        return (start, end)
    }

    private static func problem(_ option: String, _ item: String, _ expected: String) -> CommandError {
        CommandError.usage("\(option) '\(item)' is not \(expected)")
    }
}
