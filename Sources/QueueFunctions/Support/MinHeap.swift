/// A binary min-heap ordered by `key`.
struct MinHeap<Key: Comparable, Value> {
    private var items: [(key: Key, value: Value)] = []

    /// Whether the heap holds nothing.
    var isEmpty: Bool { items.isEmpty }

    /// How many entries the heap holds.
    var count: Int { items.count }

    /// The smallest entry, if any.
    var min: (key: Key, value: Value)? { items.first }

    /// Adds an entry.
    mutating func insert(_ key: Key, _ value: Value) {
        items.append((key, value))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[child].key >= items[parent].key { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest entry, if any.
    mutating func popMin() -> (key: Key, value: Value)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let smallest = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallestIndex = parent
            if left < items.count && items[left].key < items[smallestIndex].key { smallestIndex = left }
            if right < items.count && items[right].key < items[smallestIndex].key { smallestIndex = right }
            if smallestIndex == parent { break }
            items.swapAt(parent, smallestIndex)
            parent = smallestIndex
        }
        return smallest
    }

    /// Removes everything.
    mutating func removeAll() { items.removeAll() }
}
