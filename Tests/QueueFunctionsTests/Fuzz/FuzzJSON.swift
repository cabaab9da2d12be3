import Foundation

/// A JSON tree whose leaves are raw text, so a mutation can write anything in a value's
/// place (`1e300`, `123456789012345678901234567890`, `"NaN"`) and keep the rest intact.
indirect enum FuzzJSON {
    case raw(String)
    case object([(key: String, value: FuzzJSON)])
    case array([FuzzJSON])

    /// The tree of a Foundation JSON object (objects keep their keys sorted).
    init(_ value: Any) {
        if let object = value as? [String: Any] {
            self = .object(object.keys.sorted().map { ($0, FuzzJSON(object[$0] as Any)) })
        } else if let array = value as? [Any] {
            self = .array(array.map(FuzzJSON.init))
        } else if let text = value as? String {
            self = .raw(Self.quoted(text))
        } else if type(of: value) == Bool.self || Self.isBoolean(value), let flag = value as? Bool {
            self = .raw(flag ? "true" : "false")
        } else if let number = value as? NSNumber {
            self = .raw(number.stringValue)
        } else {
            self = .raw("null")
        }
    }

    /// Whether `value` is a JSON boolean: on Linux, JSONSerialization hands them over as `NSNumber`s of type `c`/`B`.
    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return ["c", "B"].contains(String(cString: number.objCType))
    }

    /// The JSON text.
    var text: String {
        switch self {
        case .raw(let text): text
        case .object(let members): "{" + members.map { Self.quoted($0.key) + ": " + $0.value.text }.joined(separator: ", ") + "}"
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ", ") + "]"
        }
    }

    /// Every position in the tree: its JSON path (as diagnostics write it), its key, and the steps to it.
    func positions(path: String = "$", key: String? = nil, steps: [Int] = []) -> [(path: String, key: String?, steps: [Int])] {
        var result = [(path, key, steps)]
        switch self {
        case .raw: break
        case .object(let members):
            for (index, member) in members.enumerated() {
                result += member.value.positions(path: "\(path).\(member.key)", key: member.key, steps: steps + [index])
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                result += element.positions(path: "\(path)[\(index)]", key: nil, steps: steps + [index])
            }
        }
        return result
    }

    /// This tree with the node at `steps` replaced by `transform` of it (nil deletes it).
    func replacing(at steps: ArraySlice<Int>, _ transform: (FuzzJSON) -> FuzzJSON?) -> FuzzJSON? {
        guard let step = steps.first else { return transform(self) }
        // Steps come from this tree's own positions; anything else leaves it unchanged.
        switch self {
        case .raw: return self
        case .object(var members):
            guard members.indices.contains(step) else { return self }
            if let child = members[step].value.replacing(at: steps.dropFirst(), transform) {
                members[step].value = child
            } else {
                members.remove(at: step)
            }
            return .object(members)
        case .array(var elements):
            guard elements.indices.contains(step) else { return self }
            if let child = elements[step].replacing(at: steps.dropFirst(), transform) {
                elements[step] = child
            } else {
                elements.remove(at: step)
            }
            return .array(elements)
        }
    }

    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
