/// Typed readers: each reports a wrong type or an out-of-range value as a diagnostic
/// and returns nil for it, or returns the value written, or the default when the key is absent.
extension ManifestDecoder {
    /// Opens `value` as an object named `name`, reporting a wrong type, unknown keys
    /// (with a did-you-mean) and duplicate keys.
    mutating func object(_ value: JSONValue, path: String, name: String, allowedKeys: [String]) -> JSONObjectFields? {
        draft.locations[path] = value.location
        guard case .object(let list) = value.kind else {
            error(.wrongType, path, at: value.location,
                  "expected \(name) as an object, found \(value.typeDescription)",
                  "write \(name) as {…} with the keys \(allowedKeys.joined(separator: ", "))")
            return nil
        }
        var members: [String: JSONMember] = [:]
        for member in list {
            let memberPath = JSONPath.member(path, member.key)
            if let first = members[member.key] {
                error(.duplicateKey, memberPath, at: member.keyLocation,
                      "key \(JSONText.string(member.key)) is written twice in \(name) (first at \(first.keyLocation))",
                      "remove one of them; JSON readers disagree on which one wins")
                continue
            }
            guard allowedKeys.contains(member.key) else {
                let keys = allowedKeys.joined(separator: ", ")
                let fix = Suggestion.closest(to: member.key, in: allowedKeys).map {
                    "did you mean \(JSONText.string($0))? \(name.capitalizedFirst) may have \(keys)"
                } ?? "remove it; \(name) may have \(keys)"
                error(.unknownKey, memberPath, at: member.keyLocation, "unknown key \(JSONText.string(member.key)) in \(name)", fix)
                continue
            }
            members[member.key] = member
            draft.locations[memberPath] = member.value.location
        }
        return JSONObjectFields(path: path, location: value.location, name: name, allowedKeys: allowedKeys, members: members)
    }

    /// Reports a missing required key, pointing at its object.
    mutating func missing(_ key: String, in fields: JSONObjectFields, fix: String) {
        error(.missingKey, fields.path(key), at: fields.location, "\(fields.name) is missing the required key \(JSONText.string(key))", fix)
    }

    /// The array under `key`; nil when absent or not an array (both reported when `required`).
    mutating func array(_ fields: JSONObjectFields, _ key: String, required: Bool, example: String) -> [JSONValue]? {
        guard let member = fields[key] else {
            if required { missing(key, in: fields, fix: "add \(JSONText.string(key)): \(example)") }
            return nil
        }
        guard case .array(let elements) = member.value.kind else {
            error(.wrongType, fields.path(key), at: member.value.location,
                  "expected \(key) as an array, found \(member.value.typeDescription)", "write \(JSONText.string(key)): \(example)")
            return nil
        }
        return elements
    }

    /// The string under `key`; nil when absent or not a non-empty string. A missing
    /// key is reported when `requiredFix` is given, with it as the fix.
    mutating func string(_ fields: JSONObjectFields, _ key: String, requiredFix: String? = nil) -> String? {
        guard let member = fields[key] else {
            if let requiredFix { missing(key, in: fields, fix: requiredFix) }
            return nil
        }
        guard case .string(let text) = member.value.kind else {
            let fix: String
            if case .number(_, let written) = member.value.kind {
                fix = "write it in double quotes: \(JSONText.string(written))"
            } else {
                fix = "write \(key) as a string in double quotes"
            }
            error(.wrongType, fields.path(key), at: member.value.location,
                  "expected \(key) as a string, found \(member.value.found)", fix)
            return nil
        }
        guard !text.isEmpty else {
            error(.invalidValue, fields.path(key), at: member.value.location, "\(key) is empty",
                  requiredFix ?? "write a value or remove the key")
            return nil
        }
        return text
    }

    /// The whole number under `key`, or `defaultValue` when absent; nil when invalid.
    mutating func int(_ fields: JSONObjectFields, _ key: String, default defaultValue: Int, range: InputRange<Int>) -> Int? {
        guard let member = fields[key] else { return defaultValue }
        let value = member.value
        guard case .number(let number, let written) = value.kind else {
            let fix = wrongNumberFix(value, key: key, example: "\(defaultValue)")
            error(.wrongType, fields.path(key), at: value.location,
                  "expected \(key) as a whole number, found \(value.found)", fix)
            return nil
        }
        do {
            return try InputNumber.whole(number, written: written, name: key, in: range)
        } catch {
            guard error.problem == .outOfRange else {
                self.error(.wrongType, fields.path(key), at: value.location, "expected \(key) as a whole number, found \(written)",
                           "write a whole number such as \(defaultValue)")
                return nil
            }
            report(error, fields.path(key), at: value.location, defaultText: "\(defaultValue)")
            return nil
        }
    }

    /// The number under `key`, or `defaultValue` when absent; nil when invalid.
    mutating func number(_ fields: JSONObjectFields, _ key: String, default defaultValue: Double, range: InputRange<Double>) -> Double? {
        guard let member = fields[key] else { return defaultValue }
        let value = member.value
        guard case .number(let number, let written) = value.kind else {
            let fix = wrongNumberFix(value, key: key, example: Self.format(defaultValue))
            error(.wrongType, fields.path(key), at: value.location,
                  "expected \(key) as a number, found \(value.found)", fix)
            return nil
        }
        do {
            return try InputNumber.decimal(number, written: written, name: key, in: range)
        } catch {
            report(error, fields.path(key), at: value.location, defaultText: Self.format(defaultValue))
            return nil
        }
    }

    /// The duration under `key` (a string such as `"30s"` or a number of seconds), or
    /// `defaultValue` when absent; nil when invalid.
    mutating func duration(
        _ fields: JSONObjectFields, _ key: String, default defaultValue: Duration, range: InputRange<Duration>
    ) -> Duration? {
        guard let member = fields[key] else { return defaultValue }
        let value = member.value
        let howTo = #"write a duration such as "500ms", "30s", "5m", "1h" or "2d", or a number of seconds"#
        do {
            switch value.kind {
            case .string(let text):
                return try InputNumber.duration(text, name: key, in: range)
            case .number(let seconds, let written):
                return try InputNumber.duration(seconds: seconds, written: written, name: key, in: range)
            default:
                error(.wrongType, fields.path(key), at: value.location,
                      "expected \(key) as a duration, found \(value.typeDescription)", howTo)
                return nil
            }
        } catch {
            guard error.problem == .outOfRange else {
                self.error(.invalidValue, fields.path(key), at: value.location, "\(value.excerpt) is not a duration",
                           howTo + " between " + range.text(DurationText.format))
                return nil
            }
            report(error, fields.path(key), at: value.location, defaultText: DurationText.format(defaultValue),
                   hint: #", written like "500ms", "30s", "5m" or "1h""#)
            return nil
        }
    }

    /// Records an out-of-range value: `batch_size 0 is out of range: use 1…10000`.
    private mutating func report(
        _ problem: InputNumberError, _ path: String, at location: SourceLocation?, defaultText: String, hint: String = ""
    ) {
        error(.outOfRange, path, at: location, problem.description, "\(problem.fix) (default \(defaultText))\(hint)")
    }

    private func wrongNumberFix(_ value: JSONValue, key: String, example: String) -> String {
        if case .string(let text) = value.kind, InputNumber.decimalValue(Substring(text)) != nil {
            return "write \(text) without quotes"
        }
        return "write \(key) as a number such as \(example)"
    }

    /// A number as people write it (`2`, `0.5`).
    static func format(_ value: Double) -> String {
        InputNumber.formatDecimal(value)
    }
}

extension String {
    /// This string with its first letter in capitals ("the trigger" → "The trigger").
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
