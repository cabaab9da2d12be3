import Foundation

/// How the durable engines keep message attributes: a JSON object of strings, NULL
/// (nil) when a message has none.
package enum StoredAttributesText {
    /// The JSON text of `attributes`, keys sorted; nil when there are none.
    package static func encode(_ attributes: [String: String]) throws -> String? {
        guard !attributes.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(attributes), as: UTF8.self)
    }

    /// The attributes stored as `text` for message `messageID` at `location`.
    ///
    /// - Throws: ``QueueStoreError`` `.engine` when the stored text is not a JSON object of strings.
    package static func decode(_ text: String?, messageID: String, location: String) throws -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw QueueStoreError(.engine, "the attributes of message \(messageID) in \(location) are not a JSON object of "
                + "strings (\(error)); the store was changed outside QueueFunctions")
        }
    }
}
