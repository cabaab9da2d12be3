import Foundation

/// One printed table: a title, the command that produced it, headers and rows.
struct ResultTable {
    var title: String
    var command: String
    var headers: [String]
    var rows: [[String]] = []
    var notes: [String] = []

    /// Aligned plain text for the terminal.
    var text: String {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        var lines = ["== \(title)", "   \(command)", line(headers)]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        lines += rows.map(line)
        lines += notes.map { "   \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows ready for BENCHMARKS.md.
    var markdown: String {
        var lines = ["### \(title)", "", "`\(command)`", ""]
        lines.append("| " + headers.joined(separator: " | ") + " |")
        lines.append("|" + headers.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined())
        lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
        if !notes.isEmpty { lines.append("") }
        lines += notes
        return lines.joined(separator: "\n") + "\n"
    }

    /// Prints the table, and its markdown when asked.
    func print(markdown: Bool) {
        Swift.print(text)
        if markdown { Swift.print(self.markdown) }
        fflush(nil)
    }
}

/// Prints one progress line at once, even when the output goes to a file.
func progress(_ line: String) {
    print(line)
    fflush(nil)
}
