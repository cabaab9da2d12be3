import Foundation
import Synchronization

/// The identity of a message, kept for its whole life: across retries,
/// dead-lettering and redrive.
///
/// An identifier whose text is a lowercase UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
/// the form ``generate()`` makes) is held as its 128 bits: no text is allocated, and
/// comparing and hashing it reads two integers. Any other text is held as given. The
/// two forms never describe the same text, so equality, hashing and order are those
/// of the text.
public struct MessageID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    private enum Form: Hashable, Sendable {
        /// A lowercase UUID's bits: the first 16 hex digits, then the last 16.
        case uuid(high: UInt64, low: UInt64)
        /// Any other text, as given.
        case text(String)
    }

    private let form: Form

    /// The textual form: a lowercase time-ordered UUID (version 7) unless the producer chose another.
    public var rawValue: String {
        switch form {
        case .uuid(let high, let low): Self.uuidText(high: high, low: low)
        case .text(let text): text
        }
    }

    /// Wraps an existing identifier.
    public init(_ rawValue: String) {
        if let bits = Self.uuidBits(rawValue) {
            form = .uuid(high: bits.high, low: bits.low)
        } else {
            form = .text(rawValue)
        }
    }

    private init(high: UInt64, low: UInt64) {
        form = .uuid(high: high, low: low)
    }

    /// The id whose lowercase UUID text has these bits (from ``uuidWords``), for engines
    /// that keep ids as two integers.
    init(uuidHigh high: UInt64, low: UInt64) {
        form = .uuid(high: high, low: low)
    }

    /// The 128 bits of a lowercase UUID id, the first 16 hex digits then the last 16; nil
    /// for any other text.
    var uuidWords: (high: UInt64, low: UInt64)? {
        if case .uuid(let high, let low) = form { return (high, low) }
        return nil
    }

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
        // Variant 1 (the two top bits of the low half are 10).
        return MessageID(high: high, low: (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000)
    }

    private static let counter = Atomic<UInt64>(0)
    private static let processSeed: (high: UInt64, low: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// A hash for in-process tables: a few multiplications for a UUID's bits (seeded per
    /// process, so ids chosen by producers cannot be aimed at one bucket run), the
    /// standard hash for other text. Equal ids hash alike.
    var tableHash: Int {
        switch form {
        case .uuid(let high, let low):
            return Self.tableHash(uuidHigh: high, low: low)
        case .text(let text):
            return text.hashValue
        }
    }

    /// ``tableHash`` of the UUID id with these bits (``uuidWords``), without making the id.
    static func tableHash(uuidHigh high: UInt64, low: UInt64) -> Int {
        var mixed = (high ^ tableSeed.high) &* 0x9E37_79B9_7F4A_7C15
        mixed ^= (low ^ tableSeed.low) &* 0xC2B2_AE3D_27D4_EB4F
        mixed ^= mixed >> 29
        mixed = mixed &* 0x1656_67B1_9E37_79F9
        mixed ^= mixed >> 32
        return Int(truncatingIfNeeded: mixed)
    }

    private static let tableSeed: (high: UInt64, low: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// The textual form.
    public var description: String { rawValue }

    /// Orders identifiers by their text.
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        // Fixed-width lowercase hex sorts like the numbers it spells.
        if case .uuid(let leftHigh, let leftLow) = lhs.form, case .uuid(let rightHigh, let rightLow) = rhs.form {
            return (leftHigh, leftLow) < (rightHigh, rightLow)
        }
        return lhs.rawValue < rhs.rawValue
    }

    /// Encodes as a plain string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Decodes from a plain string.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Calls `body` with the UTF-8 bytes of ``rawValue``. A UUID's text is written into a
    /// stack buffer: no String is allocated or validated (the SQLite engine binds it as is).
    package func withUTF8Text(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        switch form {
        case .uuid(let high, let low):
            var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &bytes) { raw in
                Self.writeUUIDText(high: high, low: low, to: raw)
                body(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: 36))
            }
        case .text(var text):
            text.withUTF8(body)
        }
    }

    /// Writes the 36 bytes of a UUID's text (lowercase hex, dashes at 8, 13, 18 and 23) to
    /// the start of `buffer`, which must hold at least 36 bytes.
    private static func writeUUIDText(high: UInt64, low: UInt64, to buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count >= 36, let base = buffer.baseAddress else { return }
        // Eight hex digits per 64-bit word, most significant first in memory.
        let words = (
            hexWord(UInt32(truncatingIfNeeded: high >> 32)), hexWord(UInt32(truncatingIfNeeded: high)),
            hexWord(UInt32(truncatingIfNeeded: low >> 32)), hexWord(UInt32(truncatingIfNeeded: low))
        )
        withUnsafeBytes(of: words) { hex in
            guard let digits = hex.baseAddress else { return }
            let dash = UInt8(ascii: "-")
            base.copyMemory(from: digits, byteCount: 8)
            base.storeBytes(of: dash, toByteOffset: 8, as: UInt8.self)
            (base + 9).copyMemory(from: digits + 8, byteCount: 4)
            base.storeBytes(of: dash, toByteOffset: 13, as: UInt8.self)
            (base + 14).copyMemory(from: digits + 12, byteCount: 4)
            base.storeBytes(of: dash, toByteOffset: 18, as: UInt8.self)
            (base + 19).copyMemory(from: digits + 16, byteCount: 4)
            base.storeBytes(of: dash, toByteOffset: 23, as: UInt8.self)
            (base + 24).copyMemory(from: digits + 20, byteCount: 12)
        }
    }

    /// The eight lowercase hex digits of `value` as the bytes of a word, the most
    /// significant digit first in memory.
    private static func hexWord(_ value: UInt32) -> UInt64 {
        // Spread the nibbles into bytes: 0x12345678 becomes 0x0102030405060708.
        var x = UInt64(value)
        x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
        x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
        x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F
        // '0' + digit, plus 39 more for digits 10...15 ('a' is 39 after '9' + 1).
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        let text = x &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
        return text.bigEndian
    }

    /// Where the dashes of a UUID's text are.
    private static func isDash(_ index: Int) -> Bool { index == 8 || index == 13 || index == 18 || index == 23 }

    private static func uuidText(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            writeUUIDText(high: high, low: low, to: UnsafeMutableRawBufferPointer(buffer))
            return 36
        }
    }

    /// The bits of `text` when it is a lowercase UUID, else nil.
    private static func uuidBits(_ text: String) -> (high: UInt64, low: UInt64)? {
        var text = text
        return text.withUTF8 { bytes -> (high: UInt64, low: UInt64)? in
            guard bytes.count == 36 else { return nil }
            var high: UInt64 = 0, low: UInt64 = 0, nibble = 0
            for index in 0..<36 {
                let byte = bytes[index]
                if isDash(index) {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let value: UInt64
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(byte - UInt8(ascii: "a") + 10)
                default: return nil
                }
                if nibble < 16 { high = high << 4 | value } else { low = low << 4 | value }
                nibble += 1
            }
            return (high, low)
        }
    }
}
