/// Readers for the platform-profile keys: `profile` (host and function) and the
/// trigger keys only some platforms have.
extension ManifestDecoder {
    /// The profile under `profile`; nil when absent or invalid (reported, with a did-you-mean).
    mutating func profile(_ fields: JSONObjectFields) -> PlatformProfile? {
        guard let name = string(fields, "profile") else { return nil }
        if let profile = PlatformProfile.named(name) { return profile }
        let names = PlatformProfile.allNames.map(JSONText.string).joined(separator: ", ")
        let fix = Suggestion.closest(to: name, in: PlatformProfile.allNames).map {
            "did you mean \(JSONText.string($0))? The profiles are \(names)"
        } ?? "use one of \(names)"
        error(.unknownProfile, fields.path("profile"), at: fields["profile"]?.value.location,
              "unknown profile \(JSONText.string(name))", fix)
        return nil
    }

    /// `report_batch_item_failures` and `new_batch_threshold` of a trigger.
    mutating func decodePlatformTriggerKeys(_ fields: JSONObjectFields, into function: inout ManifestDraft.Function) {
        if let member = fields["report_batch_item_failures"] {
            if case .bool(let value) = member.value.kind {
                function.reportBatchItemFailures = value
            } else {
                error(.wrongType, fields.path("report_batch_item_failures"), at: member.value.location,
                      "expected report_batch_item_failures as true or false, found \(member.value.found)",
                      "write true (Lambda's FunctionResponseTypes: [ReportBatchItemFailures]) or false")
            }
        }
        if fields["new_batch_threshold"] != nil {
            function.newBatchThreshold = int(fields, "new_batch_threshold", default: 0, range: .between(0, 10_000))
        }
    }
}
