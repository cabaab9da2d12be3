extension InputNumber {
    /// What a rate looks like, for messages.
    package static let rateExample = "a rate such as 50/s, 600/m or 5/200ms"

    /// Reads a rate: a whole count, `/`, then a period written as a duration (`200ms`,
    /// `10s`) or a bare unit (`s`, `m`, `h`, `d`, `ms`): `"50/s"`, `"600/m"`, `"5/200ms"`.
    ///
    /// - Parameters:
    ///   - text: The value as written; spaces around it and around the `/` are ignored.
    ///   - name: Where it was given, for the error (`rate`).
    ///   - counts: The allowed counts.
    ///   - periods: The allowed periods.
    /// - Returns: The count and the period.
    /// - Throws: ``InputNumberError`` when it is not a rate or either part is out of range.
    package static func rate(
        _ text: String, name: String, counts: InputRange<Int>, periods: InputRange<Duration>
    ) throws(InputNumberError) -> (count: Int, period: Duration) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = "\(counts.text { "\($0)" }) per \(periods.text(DurationText.format))"
        let malformed = InputNumberError(
            problem: .malformed, name: name, written: text, expected: rateExample, allowed: allowed,
            fix: "write \(name) as a count, a slash and a period, such as \"50/s\""
        )
        guard parts.count == 2 else { throw malformed }
        let countText = String(parts[0]).trimmingSpaces
        var periodText = String(parts[1]).trimmingSpaces
        guard !countText.isEmpty, !periodText.isEmpty, countText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw malformed }
        // A bare unit (`s`, `ms`) is one of it.
        if let first = periodText.utf8.first, !(first >= 48 && first <= 57) { periodText = "1" + periodText }
        let count: Int
        let period: Duration
        do {
            count = try whole(countText, name: name + " count", in: counts)
            period = try duration(periodText, name: name + " period", in: periods)
        } catch {
            guard error.problem == .outOfRange else { throw malformed }
            throw InputNumberError(
                problem: .outOfRange, name: name, written: text, expected: rateExample, allowed: allowed,
                fix: "set \(name) between \(counts.lower) per \(DurationText.format(periods.upper)) and \(counts.upper) per "
                    + DurationText.format(periods.lower) + " (\(error.description))"
            )
        }
        return (count, period)
    }
}

extension String {
    /// This string without spaces or tabs around it.
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
