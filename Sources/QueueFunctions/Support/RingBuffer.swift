/// A growable first-in, first-out buffer with O(1) push and pop at both ends.
package struct RingBuffer<Element> {
    private var storage: [Element?] = Array(repeating: nil, count: 16)
    private var head = 0
    package private(set) var count = 0

    /// An empty buffer.
    package init() {}

    /// Whether the buffer holds nothing.
    package var isEmpty: Bool { count == 0 }

    /// The first element, if any.
    package var first: Element? { count == 0 ? nil : storage[head] }

    /// Appends at the back.
    package mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) & (storage.count - 1)] = element
        count += 1
    }

    /// Inserts at the front.
    package mutating func prepend(_ element: Element) {
        if count == storage.count { grow() }
        head = (head - 1 + storage.count) & (storage.count - 1)
        storage[head] = element
        count += 1
    }

    /// Removes and returns the first element, if any.
    package mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) & (storage.count - 1)
        count -= 1
        if count == 0 { head = 0 }
        return element
    }

    /// Every element, front to back.
    package func forEach(_ body: (Element) throws -> Void) rethrows {
        var index = 0
        while index < count {
            if let element = storage[(head + index) & (storage.count - 1)] { try body(element) }
            index += 1
        }
    }

    /// Keeps only the elements for which `isIncluded` is true, in order, in O(n).
    package mutating func filter(_ isIncluded: (Element) -> Bool) {
        var kept = RingBuffer()
        forEach { if isIncluded($0) { kept.append($0) } }
        self = kept
    }

    /// Removes everything.
    package mutating func removeAll() {
        self = RingBuffer()
    }

    private mutating func grow() {
        var bigger: [Element?] = Array(repeating: nil, count: storage.count * 2)
        for index in 0..<count {
            bigger[index] = storage[(head + index) & (storage.count - 1)]
        }
        storage = bigger
        head = 0
    }
}
