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
    /// Every number is range-checked (``WorkloadLimits``): counts 0…10,000,000, rates
    /// 0…1,000,000 per second, times 0s…1d, handler durations 0s…12h, and at most
    /// 10,000,000 messages in all; a value out of range is a problem naming it and the range.
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
        checkKeys(object, "$", allowed: ["name", "description", "seed", "tick", "handler", "function", "phases", "store_faults", "dependency"])
        var workload = Workload(phases: [])
        if let name = object["name"] { workload.name = string(name, "$.name") ?? workload.name }
        if let description = object["description"] { _ = string(description, "$.description") }
        if let seed = object["seed"], let value = integer(seed, "$.seed", in: .between(0, Int.max)) { workload.seed = UInt64(value) }
        if let tick = object["tick"], let value = duration(tick, "$.tick", in: WorkloadLimits.tick) { workload.tick = value }
        if let handler = object["handler"], let handlerObject = self.object(handler, "$.handler") {
            checkKeys(handlerObject, "$.handler", allowed: ["duration"])
            if let value = handlerObject["duration"], let distribution = distribution(value, "$.handler.duration") {
                workload.handlerDuration = distribution
            }
        }
        if let function = object["function"] { workload.function = settings(function, "$.function") }
        if let faults = object["store_faults"] { workload.storeFaults = storeFaults(faults, "$.store_faults") }
        if let dependency = object["dependency"] {
            var reader = DependencyReader()
            workload.dependency = reader.read(dependency, "$.dependency")
            problems += reader.problems
        }
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
        if let problem = WorkloadLimits.messageCountProblem(workload) { problems.append("$.phases: \(problem)") }
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
            let at = need(object, "at", path).flatMap { duration($0, $1, in: WorkloadLimits.offset) }
            let count = need(object, "count", path).flatMap { integer($0, $1, in: WorkloadLimits.burstCount) }
            guard let at, let count else { return nil }
            return .burst(at: at, count: count)
        case "steady", "ramp":
            let isRamp = type == "ramp" || object["rate_from"] != nil
            checkKeys(object, path, allowed: isRamp ? ["type", "from", "to", "rate_from", "rate_to"] : ["type", "from", "to", "rate"])
            let window = range(object, path)
            if isRamp {
                let rateFrom = need(object, "rate_from", path).flatMap { number($0, $1, in: WorkloadLimits.rate) }
                let rateTo = need(object, "rate_to", path).flatMap { number($0, $1, in: WorkloadLimits.rate) }
                guard let window, let rateFrom, let rateTo else { return nil }
                return .ramp(from: window.from, to: window.to, rateFrom: rateFrom, rateTo: rateTo)
            }
            let rate = need(object, "rate", path).flatMap { number($0, $1, in: WorkloadLimits.rate) }
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
        let from = need(object, "from", path).flatMap { duration($0, $1, in: WorkloadLimits.offset) }
        let to = need(object, "to", path).flatMap { duration($0, $1, in: WorkloadLimits.offset) }
        guard let from, let to else { return nil }
        guard to > from else {
            problems.append("\(path).to: \(DurationText.format(to)) must be after from (\(DurationText.format(from)))")
            return nil
        }
        return (from, to)
    }

    private mutating func distribution(_ value: Any, _ path: String) -> DurationDistribution? {
        if !(value is [String: Any]) {
            return duration(value, path, in: WorkloadLimits.handlerDuration).map { .fixed($0) }
        }
        guard let object = object(value, path) else { return nil }
        let kind = object["distribution"] as? String ?? "fixed"
        switch kind {
        case "fixed":
            checkKeys(object, path, allowed: ["distribution", "value"])
            return need(object, "value", path).flatMap { duration($0, $1, in: WorkloadLimits.handlerDuration) }.map { .fixed($0) }
        case "uniform":
            checkKeys(object, path, allowed: ["distribution", "min", "max"])
            let low = need(object, "min", path).flatMap { duration($0, $1, in: WorkloadLimits.handlerDuration) }
            let high = need(object, "max", path).flatMap { duration($0, $1, in: WorkloadLimits.handlerDuration) }
            guard let low, let high else { return nil }
            guard high >= low else {
                problems.append("\(path).max: must not be below min")
                return nil
            }
            return .uniform(min: low, max: high)
        case "normal":
            checkKeys(object, path, allowed: ["distribution", "mean", "stddev", "min"])
            let mean = need(object, "mean", path).flatMap { duration($0, $1, in: WorkloadLimits.handlerDuration) }
            let deviation = need(object, "stddev", path).flatMap { duration($0, $1, in: WorkloadLimits.handlerDuration) }
            let minimum = object["min"].flatMap { duration($0, "\(path).min", in: WorkloadLimits.handlerDuration) } ?? .zero
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
        if let (value, path) = field("batch_size") { settings.batchSize = integer(value, path, in: InputLimits.batchSize) }
        if let (value, path) = field("timeout") { settings.timeout = duration(value, path, in: InputLimits.functionTimeout) }
        if let (value, path) = field("max_receive_count") { settings.maxReceiveCount = integer(value, path, in: InputLimits.maxReceiveCount) }
        if let (value, path) = field("min_workers") { settings.minWorkers = integer(value, path, in: .between(0, InputLimits.mostWorkers)) }
        if let (value, path) = field("max_workers") { settings.maxWorkers = integer(value, path, in: .between(1, InputLimits.mostWorkers)) }
        if let (value, path) = field("target_backlog_per_worker") { settings.targetBacklogPerWorker = integer(value, path, in: InputLimits.targetBacklogPerWorker) }
        if let (value, path) = field("scale_interval") { settings.scaleInterval = duration(value, path, in: InputLimits.interval) }
        if let (value, path) = field("max_scale_up_step") { settings.maxScaleUpStep = integer(value, path, in: .between(1, InputLimits.mostWorkers)) }
        if let (value, path) = field("scale_down_stabilization") { settings.scaleDownStabilization = duration(value, path, in: InputLimits.wait) }
        if let (value, path) = field("host_max_workers") { settings.hostMaxWorkers = integer(value, path, in: .between(1, InputLimits.mostWorkers)) }
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

    private mutating func number(_ value: Any, _ path: String, in range: InputRange<Double>) -> Double? {
        guard !(value is String), type(of: value) != Bool.self, let number = (value as? NSNumber)?.doubleValue else {
            problems.append("\(path): expected a number from \(range.text(InputNumber.formatDecimal)), got \(Self.describe(value))")
            return nil
        }
        return checked(path) { () throws(InputNumberError) in
            try InputNumber.decimal(number, written: Self.describe(value), name: Self.key(path), in: range)
        }
    }

    private mutating func integer(_ value: Any, _ path: String, in range: InputRange<Int>) -> Int? {
        guard !(value is String), type(of: value) != Bool.self, let number = (value as? NSNumber)?.doubleValue else {
            problems.append("\(path): expected a whole number from \(range.text { "\($0)" }), got \(Self.describe(value))")
            return nil
        }
        return checked(path) { () throws(InputNumberError) in
            try InputNumber.whole(number, written: Self.describe(value), name: Self.key(path), in: range)
        }
    }

    private mutating func duration(_ value: Any, _ path: String, in range: InputRange<Duration>) -> Duration? {
        do {
            if let text = value as? String {
                return try InputNumber.duration(text, name: Self.key(path), in: range)
            }
            if type(of: value) != Bool.self, let number = (value as? NSNumber)?.doubleValue {
                return try InputNumber.duration(seconds: number, written: Self.describe(value), name: Self.key(path), in: range)
            }
        } catch where error.problem == .outOfRange {
            problems.append("\(path): \(error)")
            return nil
        } catch {}
        problems.append("\(path): expected a duration such as \"500ms\", \"30s\" or \"5m\" (or seconds) from "
                        + "\(range.text(DurationText.format)), got \(Self.describe(value))")
        return nil
    }

    /// The value `read` returns, or nil with its error recorded under `path`.
    private mutating func checked<Value>(_ path: String, _ read: () throws(InputNumberError) -> Value) -> Value? {
        do {
            return try read()
        } catch {
            problems.append("\(path): \(error)")
            return nil
        }
    }

    /// The last key of `path` (`count` in `$.phases[0].count`).
    private static func key(_ path: String) -> String {
        path.split(separator: ".").last.map(String.init) ?? path
    }

    private static func describe(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        if type(of: value) != Bool.self, let number = (value as? NSNumber)?.doubleValue { return InputNumber.formatDecimal(number) }
        return "\(value)"
    }

}
