import Foundation

/// The file `write-audit-log` appends `<message id> <kind> <subject>` lines to, read the
/// way a user would check it.
struct AuditLog: Sendable {
    /// One complete line.
    struct Entry: Sendable, Equatable {
        var id: String
        var kind: String
        var subject: String
    }

    /// What the file held when it was read.
    struct Contents: Sendable {
        /// The complete lines that parse, in file order.
        var entries: [Entry]
        /// Complete lines that are not `<id> <kind> <subject>`.
        var malformed: [String]

        /// Each message id that appears at least once.
        var ids: Set<String> { Set(entries.map(\.id)) }
        /// Lines beyond the first for their message id (redeliveries).
        var duplicates: Int { entries.count - ids.count }

        var summary: String {
            "\(entries.count) line(s), \(ids.count) distinct id(s), \(malformed.count) malformed"
        }
    }

    let path: String

    /// Reads the complete lines written so far; a line still being written is left out.
    /// A missing file reads as empty.
    func read() async throws -> Contents {
        let path = self.path
        let data = try await offPool { FileManager.default.contents(atPath: path) ?? Data() }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // empty after the last newline, or a line not yet finished
        var contents = Contents(entries: [], malformed: [])
        contents.entries.reserveCapacity(lines.count)
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, !fields[0].isEmpty {
                contents.entries.append(Entry(id: String(fields[0]), kind: String(fields[1]), subject: String(fields[2])))
            } else {
                contents.malformed.append(String(line))
            }
        }
        return contents
    }
}
