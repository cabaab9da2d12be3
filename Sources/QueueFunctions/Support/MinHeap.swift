/// A binary min-heap ordered by `key`.
package struct MinHeap<Key: Comparable, Value> {
    private var items: [(key: Key, value: Value)] = []

    /// Whether the heap holds nothing.
    package var isEmpty: Bool { items.isEmpty }

    /// How many entries the heap holds.
    package var count: Int { items.count }

    /// The smallest entry, if any.
    package var min: (key: Key, value: Value)? { items.first }

    /// Adds an entry.
    package mutating func insert(_ key: Key, _ value: Value) {
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
    package mutating func popMin() -> (key: Key, value: Value)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let smallest = items.removeLast()
        siftDown(from: 0)
        return smallest
    }

    /// Removes everything.
    package mutating func removeAll() { items.removeAll() }

    /// Keeps only the entries for which `isIncluded` is true, in O(n).
    package mutating func filter(_ isIncluded: (Key, Value) -> Bool) {
        items = items.filter { isIncluded($0.key, $0.value) }
        var index = items.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count && items[left].key < items[smallest].key { smallest = left }
            if right < items.count && items[right].key < items[smallest].key { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
