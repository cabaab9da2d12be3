import QueueFunctions
import Foundation

/// What is wrong with a workload file: every problem, each with its JSON path.
public struct WorkloadError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file (or source name) that was read.
    public var source: String
    /// Each problem, as `$.phases[1].rate: expected a number ≥ 0, got "fast"`.
    public var problems: [String]

    /// All problems, one per line, prefixed with the source.
    public var description: String {
        problems.map { "\(source): \($0)" }.joined(separator: "\n")
    }
}

extension Workload {
    /// Loads a workload from a JSON file.
    ///
    /// ```json
    /// {
    ///   "name": "burst",
    ///   "seed": 42,
    ///   "tick": "1ms",
    ///   "handler": { "duration": { "distribution": "normal", "mean": "80ms", "stddev": "30ms", "min": "5ms" } },
    ///   "function": { "batch_size": 10, "min_workers": 0, "max_workers": 16, "target_backlog_per_worker": 20 },
    ///   "phases": [
    ///     { "type": "burst", "at": "0s", "count": 1000 },
    ///     { "type": "steady", "from": "0s", "to": "60s", "rate": 50 },
    ///     { "type": "ramp", "from": "60s", "to": "90s", "rate_from": 50, "rate_to": 200 },
    ///     { "type": "outage", "from": "20s", "to": "30s" }
    ///   ]
    /// }
    /// ```
    ///
    /// Durations are strings (`"500ms"`, `"30s"`, `"5m"`) or numbers of seconds. Only
    /// `phases` is required. `handler.duration` is a duration (fixed) or an object with
    /// `distribution` `fixed` (`value`), `uniform` (`min`, `max`) or `normal` (`mean`,
    /// `stddev`, optional `min`, default 0); default fixed 100ms per message. `function`
    /// may set `batch_size`, `timeout`, `max_receive_count`, `min_workers`,
    /// `max_workers`, `target_backlog_per_worker`, `scale_interval`,
    /// `max_scale_up_step`, `scale_down_stabilization` and `host_max_workers`.
    /// `store_faults` replays store failures (see ``Workload/StoreFaults``).
    ///
    /// - Throws: ``WorkloadError`` listing every problem with its JSON path, or the
    ///   file system's error (with the path) when the file cannot be read.
    public static func load(contentsOf url: URL) throws -> Workload {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WorkloadError(source: url.path, problems: ["cannot read the file: \(error.localizedDescription)"])
        }
        var workload = try parse(data, source: url.path)
        if workload.name == "workload" { workload.name = url.deletingPathExtension().lastPathComponent }
        return workload
    }

    /// Parses a workload from JSON `data`; `source` names it in errors.
    ///
    /// - Throws: ``WorkloadError`` listing every problem with its JSON path.
    public static func parse(_ data: Data, source: String = "workload") throws -> Workload {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw WorkloadError(source: source, problems: ["not valid JSON: \(error.localizedDescription)"])
        }
        var reader = WorkloadReader()
        let workload = reader.workload(root)
        guard reader.problems.isEmpty, let workload else {
            throw WorkloadError(source: source, problems: reader.problems.isEmpty ? ["the workload is empty"] : reader.problems)
        }
        return workload
    }
}

/// Walks the JSON, collecting every problem instead of stopping at the first.
struct WorkloadReader {
    var problems: [String] = []

    mutating func workload(_ root: Any) -> Workload? {
        guard let object = self.object(root, "$") else { return nil }
        checkKeys(object, "$", allowed: ["name", "description", "seed", "tick", "handler", "function", "phases", "store_faults"])
        var workload = Workload(phases: [])
        if let name = object["name"] { workload.name = string(name, "$.name") ?? workload.name }
        if let description = object["description"] { _ = string(description, "$.description") }
        if let seed = object["seed"], let value = integer(seed, "$.seed", minimum: 0) { workload.seed = UInt64(value) }
        if let tick = object["tick"], let value = duration(tick, "$.tick") { workload.tick = value }
        if let handler = object["handler"], let handlerObject = self.object(handler, "$.handler") {
            checkKeys(handlerObject, "$.handler", allowed: ["duration"])
            if let value = handlerObject["duration"], let distribution = distribution(value, "$.handler.duration") {
                workload.handlerDuration = distribution
            }
        }
        if let function = object["function"] { workload.function = settings(function, "$.function") }
        if let faults = object["store_faults"] { workload.storeFaults = storeFaults(faults, "$.store_faults") }
        guard let phases = object["phases"] else {
            problems.append("$.phases: missing; add a list such as [{\"type\": \"burst\", \"at\": \"0s\", \"count\": 1000}]")
            return nil
        }
        guard let list = phases as? [Any] else {
            problems.append("$.phases: expected a list of phases")
            return nil
        }
        if list.isEmpty { problems.append("$.phases: empty; add at least one burst, steady or ramp phase") }
        workload.phases = list.enumerated().compactMap { phase($1, "$.phases[\($0)]") }
        if !list.isEmpty && workload.messageCount == 0 && problems.isEmpty {
            problems.append("$.phases: no phase sends any message")
        }
        return workload
    }

    private mutating func phase(_ value: Any, _ path: String) -> Workload.Phase? {
        guard let object = object(value, path) else { return nil }
        guard let type = object["type"] as? String else {
            problems.append("\(path).type: missing; one of burst, steady, ramp, outage")
            return nil
        }
        switch type {
        case "burst":
            checkKeys(object, path, allowed: ["type", "at", "count"])
            let at = need(object, "at", path).flatMap { duration($0, $1) }
            let count = need(object, "count", path).flatMap { integer($0, $1, minimum: 0) }
            guard let at, let count else { return nil }
            return .burst(at: at, count: count)
        case "steady", "ramp":
            let isRamp = type == "ramp" || object["rate_from"] != nil
            checkKeys(object, path, allowed: isRamp ? ["type", "from", "to", "rate_from", "rate_to"] : ["type", "from", "to", "rate"])
            let window = range(object, path)
            if isRamp {
                let rateFrom = need(object, "rate_from", path).flatMap { number($0, $1, minimum: 0) }
                let rateTo = need(object, "rate_to", path).flatMap { number($0, $1, minimum: 0) }
                guard let window, let rateFrom, let rateTo else { return nil }
                return .ramp(from: window.from, to: window.to, rateFrom: rateFrom, rateTo: rateTo)
            }
            let rate = need(object, "rate", path).flatMap { number($0, $1, minimum: 0) }
            guard let window, let rate else { return nil }
            return .steady(from: window.from, to: window.to, rate: rate)
        case "outage":
            checkKeys(object, path, allowed: ["type", "from", "to"])
            guard let window = range(object, path) else { return nil }
            return .outage(from: window.from, to: window.to)
        default:
            problems.append("\(path).type: unknown phase type \"\(type)\"; use burst, steady, ramp or outage")
            return nil
        }
    }

    private mutating func range(_ object: [String: Any], _ path: String) -> (from: Duration, to: Duration)? {
        let from = need(object, "from", path).flatMap { duration($0, $1) }
        let to = need(object, "to", path).flatMap { duration($0, $1) }
        guard let from, let to else { return nil }
        guard to > from else {
            problems.append("\(path).to: \(DurationText.format(to)) must be after from (\(DurationText.format(from)))")
            return nil
        }
        return (from, to)
    }

    private mutating func distribution(_ value: Any, _ path: String) -> DurationDistribution? {
        if !(value is [String: Any]) {
            return duration(value, path).map { .fixed($0) }
        }
        guard let object = object(value, path) else { return nil }
        let kind = object["distribution"] as? String ?? "fixed"
        switch kind {
        case "fixed":
            checkKeys(object, path, allowed: ["distribution", "value"])
            return need(object, "value", path).flatMap { duration($0, $1) }.map { .fixed($0) }
        case "uniform":
            checkKeys(object, path, allowed: ["distribution", "min", "max"])
            let low = need(object, "min", path).flatMap { duration($0, $1) }
            let high = need(object, "max", path).flatMap { duration($0, $1) }
            guard let low, let high else { return nil }
            guard high >= low else {
                problems.append("\(path).max: must not be below min")
                return nil
            }
            return .uniform(min: low, max: high)
        case "normal":
            checkKeys(object, path, allowed: ["distribution", "mean", "stddev", "min"])
            let mean = need(object, "mean", path).flatMap { duration($0, $1) }
            let deviation = need(object, "stddev", path).flatMap { duration($0, $1) }
            let minimum = object["min"].flatMap { duration($0, "\(path).min") } ?? .zero
            guard let mean, let deviation else { return nil }
            return .normal(mean: mean, standardDeviation: deviation, minimum: minimum)
        default:
            problems.append("\(path).distribution: unknown \"\(kind)\"; use fixed, uniform or normal")
            return nil
        }
    }

    private mutating func settings(_ value: Any, _ path: String) -> Workload.FunctionSettings {
        var settings = Workload.FunctionSettings()
        guard let object = object(value, path) else { return settings }
        checkKeys(object, path, allowed: ["batch_size", "timeout", "max_receive_count", "min_workers", "max_workers",
                                          "target_backlog_per_worker", "scale_interval", "max_scale_up_step",
                                          "scale_down_stabilization", "host_max_workers"])
        func field(_ key: String) -> (Any, String)? { object[key].map { ($0, "\(path).\(key)") } }
        if let (value, path) = field("batch_size") { settings.batchSize = integer(value, path, minimum: 1, maximum: 10_000) }
        if let (value, path) = field("timeout") { settings.timeout = duration(value, path) }
        if let (value, path) = field("max_receive_count") { settings.maxReceiveCount = integer(value, path, minimum: 1) }
        if let (value, path) = field("min_workers") { settings.minWorkers = integer(value, path, minimum: 0) }
        if let (value, path) = field("max_workers") { settings.maxWorkers = integer(value, path, minimum: 1) }
        if let (value, path) = field("target_backlog_per_worker") { settings.targetBacklogPerWorker = integer(value, path, minimum: 1) }
        if let (value, path) = field("scale_interval") { settings.scaleInterval = duration(value, path) }
        if let (value, path) = field("max_scale_up_step") { settings.maxScaleUpStep = integer(value, path, minimum: 1) }
        if let (value, path) = field("scale_down_stabilization") { settings.scaleDownStabilization = duration(value, path) }
        if let (value, path) = field("host_max_workers") { settings.hostMaxWorkers = integer(value, path, minimum: 1) }
        if let low = settings.minWorkers, let high = settings.maxWorkers, low > high {
            problems.append("\(path).min_workers: \(low) is above max_workers \(high)")
        }
        return settings
    }

    private mutating func storeFaults(_ value: Any, _ path: String) -> Workload.StoreFaults {
        var reader = StoreFaultsReader()
        let faults = reader.read(value, path)
        problems += reader.problems
        return faults ?? Workload.StoreFaults()
    }

    // MARK: - Scalars

    private mutating func need(_ object: [String: Any], _ key: String, _ path: String) -> (Any, String)? {
        guard let value = object[key] else {
            problems.append("\(path).\(key): missing")
            return nil
        }
        return (value, "\(path).\(key)")
    }

    private mutating func object(_ value: Any, _ path: String) -> [String: Any]? {
        guard let object = value as? [String: Any] else {
            problems.append("\(path): expected an object")
            return nil
        }
        return object
    }

    private mutating func checkKeys(_ object: [String: Any], _ path: String, allowed: Set<String>) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            var text = "\(path).\(key): unknown key"
            if let guess = Suggestion.closest(to: key, in: allowed.sorted()) { text += "; did you mean \"\(guess)\"?" }
            problems.append(text + " (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private mutating func string(_ value: Any, _ path: String) -> String? {
        guard let text = value as? String else {
            problems.append("\(path): expected a string")
            return nil
        }
        return text
    }

    private mutating func number(_ value: Any, _ path: String, minimum: Double) -> Double? {
        guard !(value is String), type(of: value) != Bool.self,
              let number = (value as? NSNumber)?.doubleValue, number.isFinite, number >= minimum else {
            problems.append("\(path): expected a number ≥ \(Self.text(minimum)), got \(Self.describe(value))")
            return nil
        }
        return number
    }

    private mutating func integer(_ value: Any, _ path: String, minimum: Int, maximum: Int = .max) -> Int? {
        guard let number = number(value, path, minimum: Double(minimum)) else { return nil }
        guard number == number.rounded(), number <= Double(maximum) else {
            problems.append("\(path): expected a whole number from \(minimum) to \(maximum), got \(Self.describe(value))")
            return nil
        }
        return Int(number)
    }

    private mutating func duration(_ value: Any, _ path: String) -> Duration? {
        if let text = value as? String, let parsed = DurationText.parse(text) { return parsed }
        if !(value is String), let number = (value as? NSNumber)?.doubleValue, number.isFinite, number >= 0 {
            return Duration(timeInterval: number)
        }
        problems.append("\(path): expected a duration such as \"500ms\", \"30s\" or \"5m\" (or seconds), got \(Self.describe(value))")
        return nil
    }

    private static func describe(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        return "\(value)"
    }

    private static func text(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
