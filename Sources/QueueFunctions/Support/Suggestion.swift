/// "Did you mean …?" suggestions by edit distance.
package enum Suggestion {
    /// The candidate closest to `word`, if one is close enough to be a likely typo.
    package static func closest<S: Sequence>(to word: String, in candidates: S) -> String? where S.Element == String {
        let lowered = Array(word.lowercased())
        // No candidate further than this can be accepted, so its distance need not be known exactly.
        let ceiling = max(2, lowered.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            guard abs(other.count - lowered.count) <= ceiling else { continue }
            let limit = min(ceiling, (best?.distance ?? ceiling + 1) - 1)
            guard limit >= 0, let distance = editDistance(lowered, other, atMost: limit) else { continue }
            best = (candidate, distance)
            if distance == 0 { break }
        }
        guard let best else { return nil }
        let allowed = max(2, min(word.count, best.name.count) / 3)
        return best.distance <= allowed ? best.name : nil
    }

    /// The Levenshtein distance between `a` and `b` if it is at most `limit`, else nil;
    /// stops as soon as every path is longer than `limit`.
    static func editDistance(_ a: [Character], _ b: [Character], atMost limit: Int) -> Int? {
        if a.isEmpty { return b.count <= limit ? b.count : nil }
        if b.isEmpty { return a.count <= limit ? a.count : nil }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }

    /// The Levenshtein distance between two strings.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
