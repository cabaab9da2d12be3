import Foundation
import Synchronization

/// The identity of a message, kept for its whole life: across retries,
/// dead-lettering and redrive.
public struct MessageID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The textual form: a lowercase time-ordered UUID (version 7) unless the producer chose another.
    public let rawValue: String

    /// Wraps an existing identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A new identifier: a UUID version 7, whose first 48 bits are the Unix time in
    /// milliseconds and the rest random. Identifiers made later sort later, which keeps
    /// the SQLite engine's id index appending instead of writing random pages.
    ///
    /// The 74 bits after the timestamp are a random per-process value plus a per-process
    /// counter, so ids never repeat within a process and collide across processes only
    /// with the chance of two random 74-bit values meeting.
    public static func generate() -> MessageID {
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let sequence = counter.add(1, ordering: .relaxed).newValue
        let low = processSeed.low &+ sequence
        let high = (milliseconds << 16) | (processSeed.high & 0x0FFF) | 0x7000
        return MessageID(uuidText(high: high, low: low))
    }

    private static let counter = Atomic<UInt64>(0)
    private static let processSeed: (high: UInt64, low: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// The textual form.
    public var description: String { rawValue }

    /// Orders identifiers by their text.
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Encodes as a plain string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Decodes from a plain string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func uuidText(high: UInt64, low: UInt64) -> String {
        // Variant 1 layout: xxxxxxxx-xxxx-Vxxx-yxxx-xxxxxxxxxxxx (the version nibble V is set by the caller).
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = hexDigits[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() { buffer[index] = UInt8(ascii: "-"); index += 1 }
            put(high >> 32, nibbles: 8); dash()
            put((high >> 16) & 0xFFFF, nibbles: 4); dash()
            put(high & 0xFFFF, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return index
        }
    }
}
