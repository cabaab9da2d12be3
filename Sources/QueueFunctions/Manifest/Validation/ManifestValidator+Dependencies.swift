/// Dependency names: declared once, and every name a function uses is declared.
extension ManifestValidator {
    mutating func checkDependencies() {
        var declared: [String: ManifestDraft.Dependency] = [:]
        var names: [String] = []
        for dependency in draft.dependencies {
            guard let name = dependency.name else { continue }
            if let first = declared[name] {
                report(.error, .duplicateDependency, JSONPath.member(dependency.path, "name"),
                       "dependency \(JSONText.string(name)) is declared twice (first at \(first.path))",
                       "rename one of them or remove the duplicate")
                continue
            }
            declared[name] = dependency
            names.append(name)
        }
        for function in draft.functions {
            for (name, path) in function.dependencies where declared[name] == nil {
                var fix = "declare it under \"dependencies\" as {\"name\": \(JSONText.string(name))}"
                if let close = Suggestion.closest(to: name, in: names) {
                    fix = "did you mean \(JSONText.string(close))? Otherwise " + fix
                } else if !names.isEmpty {
                    fix += ", or use one of " + names.map(JSONText.string).joined(separator: ", ")
                }
                report(.error, .unknownDependency, path, "dependency \(JSONText.string(name)) is not declared", fix)
            }
        }
    }
}
