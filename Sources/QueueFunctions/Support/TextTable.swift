/// Renders rows as an aligned plain-text table for people.
package struct TextTable {
    package var headers: [String]
    package var rows: [[String]] = []

    package init(_ headers: [String]) {
        self.headers = headers
    }

    package mutating func add(_ row: [String]) {
        rows.append(row)
    }

    package func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let width = index < widths.count ? widths[index] : cell.count
                return cell + String(repeating: " ", count: max(0, width - cell.count))
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = [format(headers), format(widths.map { String(repeating: "-", count: $0) })]
        lines += rows.map(format)
        return lines.joined(separator: "\n")
    }
}

extension String {
    package func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
