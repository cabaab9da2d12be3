/// `"dependencies"`: the downstream services at the top level, and the names a function uses.
extension ManifestDecoder {
    /// Decodes the top-level `dependencies` array.
    mutating func decodeDependencies(_ fields: JSONObjectFields) {
        let entries = array(fields, "dependencies", required: false,
                            example: #"[{"name": "billing-api", "max_concurrency": 4, "rate": "50/s"}]"#) ?? []
        for (index, value) in entries.enumerated() {
            decodeDependency(value, index: index)
        }
    }

    private mutating func decodeDependency(_ value: JSONValue, index: Int) {
        let path = JSONPath.element("$.dependencies", index)
        guard let fields = object(value, path: path, name: "dependency \(path)", allowedKeys: ManifestKeys.dependency) else { return }
        var dependency = ManifestDraft.Dependency(index: index)
        dependency.name = string(fields, "name", requiredFix: #"add "name": "billing-api""#)
        if fields["max_concurrency"] != nil {
            dependency.config.maxConcurrency = int(fields, "max_concurrency", default: 1, range: InputLimits.dependencyCount)
        }
        if let member = fields["rate"] {
            if case .string(let text) = member.value.kind {
                do {
                    let (count, period) = try InputNumber.rate(text, name: "rate", counts: InputLimits.rateCount, periods: InputLimits.ratePeriod)
                    dependency.config.rate = DependencyRate(count: count, per: period)
                } catch {
                    self.error(error.problem == .outOfRange ? .outOfRange : .invalidValue, fields.path("rate"), at: member.value.location,
                               error.description, error.fix)
                }
            } else {
                error(.wrongType, fields.path("rate"), at: member.value.location,
                      "expected rate as a string such as \"50/s\", found \(member.value.found)",
                      #"write "rate": "50/s" (a count, a slash and a period: s, m, h or a duration such as 200ms)"#)
            }
        }
        dependency.config.burst = int(fields, "burst", default: 1, range: InputLimits.dependencyCount) ?? 1
        if fields["burst"] != nil, fields["rate"] == nil {
            error(.invalidValue, fields.path("burst"), at: fields["burst"]?.value.location,
                  "burst has no effect without a rate", #"add "rate": "50/s", or remove burst"#)
        }
        if let breaker = fields["breaker"] {
            dependency.config.breaker = decodeBreaker(breaker.value, path: fields.path("breaker"))
        }
        draft.dependencies.append(dependency)
    }

    private mutating func decodeBreaker(_ value: JSONValue, path: String) -> BreakerConfig {
        let defaults = BreakerConfig()
        guard let fields = object(value, path: path, name: "breaker", allowedKeys: ManifestKeys.breaker) else { return defaults }
        var enabled = defaults.enabled
        if let member = fields["enabled"] {
            if case .bool(let value) = member.value.kind {
                enabled = value
            } else {
                error(.wrongType, fields.path("enabled"), at: member.value.location,
                      "expected enabled as true or false, found \(member.value.found)",
                      "write true to open the breaker on outages, or false to keep receiving through them")
            }
        }
        return BreakerConfig(
            enabled: enabled,
            failureRatio: number(fields, "failure_ratio", default: defaults.failureRatio, range: InputLimits.failureRatio) ?? defaults.failureRatio,
            minimumCalls: int(fields, "minimum_calls", default: defaults.minimumCalls, range: InputLimits.minimumCalls) ?? defaults.minimumCalls,
            window: duration(fields, "window", default: defaults.window, range: InputLimits.breakerTime) ?? defaults.window,
            openFor: duration(fields, "open_for", default: defaults.openFor, range: InputLimits.breakerTime) ?? defaults.openFor
        )
    }

    /// A function's `dependencies`: an array of names.
    mutating func decodeFunctionDependencies(_ fields: JSONObjectFields, into function: inout ManifestDraft.Function) {
        guard let entries = array(fields, "dependencies", required: false, example: #"["billing-api"]"#) else { return }
        for (index, value) in entries.enumerated() {
            let path = JSONPath.element(fields.path("dependencies"), index)
            draft.locations[path] = value.location
            guard case .string(let name) = value.kind, !name.isEmpty else {
                error(.wrongType, path, at: value.location, "expected a dependency name as a string, found \(value.found)",
                      #"write the name of a dependency declared under "dependencies", such as "billing-api""#)
                continue
            }
            function.dependencies.append((name: name, path: path))
        }
    }
}
