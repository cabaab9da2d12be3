import QueueFunctions
import Foundation

extension Workload {
    /// Faults the simulated store injects, replayed with the workload (`store_faults` in
    /// the file, `--store-failure-rate` / `--store-outage` on the command line).
    ///
    /// ```json
    /// "store_faults": {
    ///   "failure_rate": 0.05,
    ///   "lease_lapse_rate": 0.01,
    ///   "duplicate_rate": 0.001,
    ///   "outages": [{ "at": "10s", "for": "10s" }]
    /// }
    /// ```
    public struct StoreFaults: Sendable, Equatable {
        /// One window in which every store call fails.
        public struct Outage: Sendable, Equatable {
            /// When it starts, from the start of the run.
            public var at: Duration
            /// How long it lasts.
            public var duration: Duration

            /// Creates an outage window.
            public init(at: Duration, duration: Duration) {
                self.at = at
                self.duration = duration
            }
        }

        /// The share (0…1) of store calls that fail with a retryable error.
        public var failureRate: Double
        /// The share (0…1) of leases that lapse at once, under their handler.
        public var leaseLapseRate: Double
        /// The share (0…1) of leases delivered twice.
        public var duplicateRate: Double
        /// Windows in which every store call fails with a retryable error and the store
        /// wakes no idle worker (it is unreachable).
        public var outages: [Outage]

        /// Creates store faults.
        public init(failureRate: Double = 0, leaseLapseRate: Double = 0, duplicateRate: Double = 0, outages: [Outage] = []) {
            self.failureRate = failureRate
            self.leaseLapseRate = leaseLapseRate
            self.duplicateRate = duplicateRate
            self.outages = outages
        }

        /// Whether any fault is set.
        public var isEmpty: Bool {
            failureRate == 0 && leaseLapseRate == 0 && duplicateRate == 0 && outages.isEmpty
        }

        /// The controller for one run on `clock`, whose time `origin` is the start of the run.
        func controller(seed: UInt64, clock: ManualClock, origin: Date) -> StoreFaultController {
            var rules: [StoreFaultRule] = []
            if failureRate > 0 { rules.append(StoreFaultRule(.fail(.unavailable), trigger: .rate(failureRate))) }
            if leaseLapseRate > 0 { rules.append(StoreFaultRule(.lapseLease(after: .zero), operations: .receive, trigger: .rate(leaseLapseRate))) }
            if duplicateRate > 0 { rules.append(StoreFaultRule(.duplicate, operations: .receive, trigger: .rate(duplicateRate))) }
            for outage in outages {
                let start = origin.adding(outage.at)
                rules.append(StoreFaultRule(.fail(.unavailable), trigger: .window(from: start, until: start.adding(outage.duration))))
            }
            return StoreFaultController(rules: rules, seed: seed &+ 0x5F0F, clock: clock, outagesSilenceWakeUps: true)
        }
    }
}

/// Reads `store_faults`, collecting every problem with its JSON path.
struct StoreFaultsReader {
    var problems: [String] = []

    mutating func read(_ value: Any, _ path: String) -> Workload.StoreFaults? {
        guard let object = value as? [String: Any] else {
            problems.append("\(path): expected an object such as {\"failure_rate\": 0.05, \"outages\": [{\"at\": \"10s\", \"for\": \"10s\"}]}")
            return nil
        }
        let allowed = ["duplicate_rate", "failure_rate", "lease_lapse_rate", "outages"]
        for key in object.keys.sorted() where !allowed.contains(key) {
            var text = "\(path).\(key): unknown key"
            if let guess = Suggestion.closest(to: key, in: allowed) { text += "; did you mean \"\(guess)\"?" }
            problems.append(text + " (allowed: \(allowed.joined(separator: ", ")))")
        }
        var faults = Workload.StoreFaults()
        if let value = object["failure_rate"] { faults.failureRate = share(value, "\(path).failure_rate") ?? 0 }
        if let value = object["lease_lapse_rate"] { faults.leaseLapseRate = share(value, "\(path).lease_lapse_rate") ?? 0 }
        if let value = object["duplicate_rate"] { faults.duplicateRate = share(value, "\(path).duplicate_rate") ?? 0 }
        if let value = object["outages"] {
            guard let list = value as? [Any] else {
                problems.append("\(path).outages: expected a list such as [{\"at\": \"10s\", \"for\": \"10s\"}]")
                return faults
            }
            faults.outages = list.enumerated().compactMap { outage($1, "\(path).outages[\($0)]") }
        }
        return faults
    }

    private mutating func outage(_ value: Any, _ path: String) -> Workload.StoreFaults.Outage? {
        guard let object = value as? [String: Any] else {
            problems.append("\(path): expected an object such as {\"at\": \"10s\", \"for\": \"10s\"}")
            return nil
        }
        for key in object.keys.sorted() where key != "at" && key != "for" {
            problems.append("\(path).\(key): unknown key (allowed: at, for)")
        }
        let at = field(object, "at", path)
        let length = field(object, "for", path)
        guard let at, let length else { return nil }
        guard length > .zero else {
            problems.append("\(path).for: must be longer than 0s")
            return nil
        }
        return Workload.StoreFaults.Outage(at: at, duration: length)
    }

    private mutating func field(_ object: [String: Any], _ key: String, _ path: String) -> Duration? {
        guard let value = object[key] else {
            problems.append("\(path).\(key): missing; give a duration such as \"10s\"")
            return nil
        }
        return duration(value, "\(path).\(key)")
    }

    private mutating func share(_ value: Any, _ path: String) -> Double? {
        guard !(value is String), type(of: value) != Bool.self, let number = (value as? NSNumber)?.doubleValue,
              number.isFinite, number >= 0, number <= 1 else {
            problems.append("\(path): expected a share from 0 to 1 (0.05 is 5%), got \(value)")
            return nil
        }
        return number
    }

    private mutating func duration(_ value: Any, _ path: String) -> Duration? {
        if let text = value as? String, let parsed = DurationText.parse(text) { return parsed }
        if !(value is String), type(of: value) != Bool.self, let number = (value as? NSNumber)?.doubleValue,
           number.isFinite, number >= 0, number <= 31_536_000 {
            return Duration(timeInterval: number)
        }
        problems.append("\(path): expected a duration such as \"500ms\", \"30s\" or \"5m\" (or seconds up to a year), got \(value)")
        return nil
    }
}
