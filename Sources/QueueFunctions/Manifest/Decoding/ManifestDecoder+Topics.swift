import Foundation

/// Reads `topics`: each topic's name and subscriptions, and each subscription's filter.
extension ManifestDecoder {
    /// An example topic, for fixes.
    static let topicExample = #"[{"name": "order-events", "subscriptions": [{"queue": "stock-jobs"}]}]"#

    /// Decodes the entries of `topics`.
    mutating func decodeTopics(_ fields: JSONObjectFields) {
        let topics = array(fields, "topics", required: false, example: Self.topicExample) ?? []
        for (index, value) in topics.enumerated() {
            decodeTopic(value, index: index)
        }
    }

    private mutating func decodeTopic(_ value: JSONValue, index: Int) {
        let path = JSONPath.element("$.topics", index)
        guard let fields = object(value, path: path, name: "topic \(path)", allowedKeys: ManifestKeys.topic) else { return }
        var topic = ManifestDraft.Topic(index: index)
        if let name = string(fields, "name", requiredFix: #"add "name": "order-events""#) {
            if let problem = QueueName.problem(with: name) {
                error(.invalidTopicName, fields.path("name"), at: fields["name"]?.value.location,
                      problem.replacingOccurrences(of: "queue name", with: "topic name"),
                      QueueName.rule.replacingOccurrences(of: "import-jobs", with: "order-events"))
            } else {
                topic.name = name
            }
        }
        let subscriptions = array(fields, "subscriptions", required: true,
                                  example: #"[{"queue": "stock-jobs", "filter": {"type": ["order-placed"]}}]"#) ?? []
        for (subscriptionIndex, element) in subscriptions.enumerated() {
            let subscriptionPath = JSONPath.element(fields.path("subscriptions"), subscriptionIndex)
            guard let subscriptionFields = object(element, path: subscriptionPath, name: "subscription \(subscriptionPath)",
                                                  allowedKeys: ManifestKeys.subscription) else { continue }
            var subscription = ManifestDraft.Topic.Subscription(
                index: subscriptionIndex,
                queue: string(subscriptionFields, "queue", requiredFix: #"add "queue": the name of a queue declared under "queues""#),
                filter: .everything
            )
            if let filter = subscriptionFields["filter"] {
                subscription.filter = decodeFilter(filter.value, path: subscriptionFields.path("filter"))
            }
            topic.subscriptions.append(subscription)
        }
        draft.topics.append(topic)
    }

    /// A filter: `{"name": [condition, …], …}`, where a condition is a string (exact value),
    /// `{"prefix": "…"}` or `{"exists": true|false}`.
    private mutating func decodeFilter(_ value: JSONValue, path: String) -> AttributeFilter {
        draft.locations[path] = value.location
        let example = #"{"type": ["order-placed"], "region": [{"prefix": "eu-"}], "vip": [{"exists": true}]}"#
        guard case .object(let members) = value.kind else {
            error(.wrongType, path, at: value.location, "expected the filter as an object, found \(value.typeDescription)",
                  "write the filter as attribute names mapped to lists of conditions, such as \(example)")
            return .everything
        }
        var conditions: [String: [AttributeFilter.Condition]] = [:]
        for member in members {
            let memberPath = JSONPath.member(path, member.key)
            draft.locations[memberPath] = member.value.location
            if conditions[member.key] != nil {
                error(.duplicateKey, memberPath, at: member.keyLocation, "attribute \(JSONText.string(member.key)) is written twice in the filter",
                      "write it once, with every accepted value in its list")
                continue
            }
            if let problem = MessageAttributeInput.problem(withName: member.key) {
                error(.invalidValue, memberPath, at: member.keyLocation, problem, MessageAttributeInput.nameRule)
                continue
            }
            guard case .array(let elements) = member.value.kind else {
                let fix: String
                if case .string(let text) = member.value.kind {
                    fix = "write a list: \(JSONText.string(member.key)): [\(JSONText.string(text))]"
                } else {
                    fix = "write a list of conditions, such as \(JSONText.string(member.key)): [\"a\", {\"prefix\": \"b\"}]"
                }
                error(.wrongType, memberPath, at: member.value.location,
                      "expected the conditions of attribute \(JSONText.string(member.key)) as a list, found \(member.value.found)", fix)
                continue
            }
            guard !elements.isEmpty else {
                error(.invalidValue, memberPath, at: member.value.location,
                      "attribute \(JSONText.string(member.key)) has an empty list of conditions, which no message matches",
                      "add a condition, such as [\"order-placed\"] or [{\"exists\": true}], or remove the attribute")
                continue
            }
            var list: [AttributeFilter.Condition] = []
            for (index, element) in elements.enumerated() {
                if let condition = decodeCondition(element, path: JSONPath.element(memberPath, index)) { list.append(condition) }
            }
            if list.count == elements.count { conditions[member.key] = list }
        }
        return AttributeFilter(conditions)
    }

    private mutating func decodeCondition(_ value: JSONValue, path: String) -> AttributeFilter.Condition? {
        draft.locations[path] = value.location
        let howTo = #"write an exact value as a string ("order-placed"), or {"prefix": "eu-"}, {"exists": true} or {"exists": false}"#
        switch value.kind {
        case .string(let text):
            return .equals(text)
        case .number(_, let written):
            error(.wrongType, path, at: value.location, "attribute values are strings, found the number \(written)",
                  "write it in double quotes: \(JSONText.string(written))")
            return nil
        case .bool(let flag):
            error(.wrongType, path, at: value.location, "attribute values are strings, found \(flag)",
                  "write it in double quotes (\(JSONText.string("\(flag)"))), or use {\"exists\": \(flag)} to test presence")
            return nil
        case .object(let members):
            guard members.count == 1, let member = members.first else {
                error(.invalidValue, path, at: value.location, "a filter condition object must hold exactly one operator, found \(members.count)",
                      howTo)
                return nil
            }
            switch (member.key, member.value.kind) {
            case ("prefix", .string(let prefix)) where !prefix.isEmpty:
                return .prefix(prefix)
            case ("prefix", .string):
                error(.invalidValue, JSONPath.member(path, "prefix"), at: member.value.location, "the prefix is empty, so it matches any value",
                      #"write a non-empty prefix, or use {"exists": true} to match any value"#)
            case ("prefix", _):
                error(.wrongType, JSONPath.member(path, "prefix"), at: member.value.location,
                      "expected the prefix as a string, found \(member.value.found)", #"write {"prefix": "eu-"}"#)
            case ("exists", .bool(let present)):
                return present ? .exists : .notExists
            case ("exists", _):
                error(.wrongType, JSONPath.member(path, "exists"), at: member.value.location,
                      "expected exists as true or false, found \(member.value.found)", #"write {"exists": true} or {"exists": false}"#)
            default:
                let operators = ManifestKeys.filterOperators.joined(separator: ", ")
                let fix = Suggestion.closest(to: member.key, in: ManifestKeys.filterOperators).map {
                    "did you mean \(JSONText.string($0))? Conditions may use \(operators)"
                } ?? "use one of \(operators), or a string for an exact value"
                error(.unknownKey, JSONPath.member(path, member.key), at: member.keyLocation,
                      "unknown filter operator \(JSONText.string(member.key))", fix)
            }
            return nil
        default:
            error(.wrongType, path, at: value.location, "expected a filter condition, found \(value.typeDescription)", howTo)
            return nil
        }
    }
}
