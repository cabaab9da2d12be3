import QueueFunctions
import Foundation

extension Workload {
    /// The downstream dependency the simulated handler calls, named `dependency`: its
    /// limits gate the dispatcher as a manifest's would, and the workload's `outage`
    /// phases are its outages. With the breaker on, the handler reports an outage as
    /// ``DependencyUnavailable``; the simulator then also runs the fixed maximum pool
    /// without the breaker, to show what the breaker saves.
    ///
    /// ```json
    /// "dependency": { "max_concurrency": 40, "rate": "400/s", "burst": 1, "breaker": { "open_for": "2s" } }
    /// ```
    public static let dependencyName = "dependency"
}

/// Reads `dependency`, collecting every problem with its JSON path.
struct DependencyReader {
    var problems: [String] = []

    mutating func read(_ value: Any, _ path: String) -> DependencyConfig? {
        guard let object = value as? [String: Any] else {
            problems.append("\(path): expected an object such as {\"max_concurrency\": 40, \"rate\": \"400/s\", \"breaker\": {\"open_for\": \"2s\"}}")
            return nil
        }
        check(object, path, allowed: ["breaker", "burst", "max_concurrency", "rate"])
        var config = DependencyConfig(name: Workload.dependencyName)
        if let value = object["max_concurrency"] { config.maxConcurrency = whole(value, "\(path).max_concurrency") }
        if let value = object["burst"] { config.burst = whole(value, "\(path).burst") ?? 1 }
        if let value = object["rate"] {
            if let text = value as? String {
                do {
                    let (count, period) = try InputNumber.rate(text, name: "rate", counts: InputLimits.rateCount, periods: InputLimits.ratePeriod)
                    config.rate = DependencyRate(count: count, per: period)
                } catch {
                    problems.append("\(path).rate: \(error); \(error.fix)")
                }
            } else {
                problems.append("\(path).rate: expected a string such as \"400/s\"")
            }
        }
        if let value = object["breaker"] {
            if let enabled = value as? Bool, type(of: value) == Bool.self || value is NSNumber {
                config.breaker.enabled = enabled
            } else if let breaker = value as? [String: Any] {
                check(breaker, "\(path).breaker", allowed: ["enabled", "open_for"])
                if let enabled = breaker["enabled"] as? Bool { config.breaker.enabled = enabled }
                if let openFor = breaker["open_for"] {
                    config.breaker.openFor = duration(openFor, "\(path).breaker.open_for") ?? config.breaker.openFor
                }
            } else {
                problems.append("\(path).breaker: expected true, false or an object such as {\"open_for\": \"2s\"}")
            }
        }
        return config
    }

    private mutating func check(_ object: [String: Any], _ path: String, allowed: [String]) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            var text = "\(path).\(key): unknown key"
            if let guess = Suggestion.closest(to: key, in: allowed) { text += "; did you mean \"\(guess)\"?" }
            problems.append(text + " (allowed: \(allowed.joined(separator: ", ")))")
        }
    }

    private mutating func whole(_ value: Any, _ path: String) -> Int? {
        guard !(value is String), let number = (value as? NSNumber)?.doubleValue else {
            problems.append("\(path): expected a whole number from 1 to 100000")
            return nil
        }
        do {
            return try InputNumber.whole(number, written: "\(value)", name: String(path.split(separator: ".").last ?? ""), in: InputLimits.dependencyCount)
        } catch {
            problems.append("\(path): \(error)")
            return nil
        }
    }

    private mutating func duration(_ value: Any, _ path: String) -> Duration? {
        guard let text = value as? String else {
            problems.append("\(path): expected a duration such as \"2s\"")
            return nil
        }
        do {
            return try InputNumber.duration(text, name: "open_for", in: InputLimits.breakerTime)
        } catch {
            problems.append("\(path): \(error)")
            return nil
        }
    }
}
