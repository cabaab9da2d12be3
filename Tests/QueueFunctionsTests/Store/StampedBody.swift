import Foundation

/// A body of `length` bytes that spells `index` over and over, so that a body handed back
/// for the wrong message (or cut, or shifted) is caught by comparing it.
func stampedBody(_ index: Int, length: Int) -> Data {
    let stamp = Array("<\(index)>".utf8)
    return Data((0..<length).map { stamp[$0 % stamp.count] })
}
