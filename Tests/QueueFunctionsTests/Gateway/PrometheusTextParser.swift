import Foundation

/// A strict parser for the Prometheus text exposition format 0.0.4, for tests:
/// it refuses anything a Prometheus server would refuse, and a little more
/// (samples before their `# TYPE`, families split in two, duplicate series,
/// histograms whose buckets are not cumulative or lack `+Inf`).
struct PrometheusTextParser {
    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Exposition {
        var types: [String: String] = [:]
        var help: [String: String] = [:]
        var samples: [Sample] = []

        /// The value of the one sample called `name` with exactly `labels`.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
    }

    static func parse(_ text: String) throws -> Exposition {
        var result = Exposition()
        var finished: Set<String> = []
        var current: String?
        var seen: Set<String> = []
        guard text.hasSuffix("\n") else { throw Failure(line: 0, message: "the exposition must end with a line feed") }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            func fail(_ message: String) -> Failure { Failure(line: number, message: "\(message): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                let name = String(parts[2])
                guard isMetricName(name) else { throw fail("invalid metric name") }
                if current != name {
                    if let current { finished.insert(current) }
                    guard !finished.contains(name) else { throw fail("family \(name) appears twice") }
                    current = name
                }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3])) else {
                        throw fail("invalid TYPE")
                    }
                    guard result.types[name] == nil else { throw fail("second TYPE for \(name)") }
                    guard !result.samples.contains(where: { family(of: $0.name, types: result.types) == name }) else {
                        throw fail("TYPE after samples")
                    }
                    result.types[name] = String(parts[3])
                } else {
                    guard result.help[name] == nil else { throw fail("second HELP for \(name)") }
                    result.help[name] = parts.count == 4 ? String(parts[3]) : ""
                }
                continue
            }
            let sample = try parseSample(line, fail: fail)
            let familyName = family(of: sample.name, types: result.types)
            guard let type = result.types[familyName] else { throw fail("sample without a preceding TYPE") }
            guard familyName == current else { throw fail("sample outside its family's block") }
            if type == "histogram" {
                guard sample.name != familyName else { throw fail("histogram sample without _bucket/_sum/_count") }
                if sample.name.hasSuffix("_bucket") {
                    guard let le = sample.labels["le"], le == "+Inf" || Double(le) != nil else { throw fail("bucket without a valid le") }
                }
            } else {
                guard sample.name == familyName else { throw fail("sample name differs from its family") }
            }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seen.insert(key).inserted else { throw fail("duplicate series \(key)") }
            result.samples.append(sample)
        }
        try checkHistograms(result)
        return result
    }

    private static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    private static func parseSample(_ line: Substring, fail: (String) -> Failure) throws -> Sample {
        var rest = line[...]
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isMetricName(name) else { throw fail("invalid metric name") }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else { throw fail("label without '='") }
                let label = String(rest[..<equals])
                guard isLabelName(label), labels[label] == nil else { throw fail("invalid or repeated label name '\(label)'") }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw fail("label value not quoted") }
                rest = rest.dropFirst()
                var value = ""
                while true {
                    guard let character = rest.first else { throw fail("unterminated label value") }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        guard let escaped = rest.first else { throw fail("dangling escape") }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("invalid escape \\\(escaped)")
                        }
                    } else {
                        value.append(character)
                    }
                }
                labels[label] = value
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("expected ',' or '}'") }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw fail("expected one space before the value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let valueText = fields.first, let value = parseValue(String(valueText)) else {
            throw fail("invalid value")
        }
        if fields.count == 2, Int64(fields[1]) == nil { throw fail("invalid timestamp") }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789.eE+-".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    private static func checkHistograms(_ exposition: Exposition) throws {
        for (family, type) in exposition.types where type == "histogram" {
            let buckets = exposition.samples.filter { $0.name == family + "_bucket" }
            let series = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" } }
            for (labels, buckets) in series {
                let ordered = buckets.sorted { (parseValue($0.labels["le"] ?? "") ?? 0) < (parseValue($1.labels["le"] ?? "") ?? 0) }
                guard ordered.last?.labels["le"] == "+Inf" else { throw Failure(line: 0, message: "\(family)\(labels) has no +Inf bucket") }
                for (lower, upper) in zip(ordered, ordered.dropFirst()) where upper.value < lower.value {
                    throw Failure(line: 0, message: "\(family)\(labels) buckets are not cumulative")
                }
                guard exposition.value(family + "_count", labels) == ordered.last?.value,
                      exposition.value(family + "_sum", labels) != nil else {
                    throw Failure(line: 0, message: "\(family)\(labels) _count differs from the +Inf bucket or _sum is missing")
                }
            }
        }
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":") }
    }

    private static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}
