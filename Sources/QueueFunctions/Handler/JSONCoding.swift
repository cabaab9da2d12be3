import Foundation

/// How one function's messages are decoded, and how what its handler sends through
/// ``FunctionContext/send(_:to:delay:)`` is encoded: key and date strategies, or
/// decoders and encoders of your own.
///
/// ```swift
/// registry.register("ImportProcessor", coding: .init(keys: .snakeCase, dates: .iso8601)) { ImportProcessor() }
/// ```
///
/// The default, ``default``, is a plain `JSONDecoder()` and `JSONEncoder()`. The HTTP
/// gateway checks producer bodies with the same decoder the workers use.
public struct JSONCoding: Sendable {
    /// How keys are spelled in the JSON.
    public struct Keys: Sendable {
        let decoding: @Sendable () -> JSONDecoder.KeyDecodingStrategy
        let encoding: @Sendable () -> JSONEncoder.KeyEncodingStrategy

        /// The Swift property names as they are (the default).
        public static let useDefaultKeys = Keys(decoding: { .useDefaultKeys }, encoding: { .useDefaultKeys })
        /// `snake_case` in the JSON, `camelCase` in Swift.
        public static let snakeCase = Keys(decoding: { .convertFromSnakeCase }, encoding: { .convertToSnakeCase })
    }

    /// How dates are written in the JSON.
    public struct Dates: Sendable {
        let decoding: @Sendable () -> JSONDecoder.DateDecodingStrategy
        let encoding: @Sendable () -> JSONEncoder.DateEncodingStrategy

        /// Foundation's default: seconds since 2001-01-01 as a number.
        public static let deferredToDate = Dates(decoding: { .deferredToDate }, encoding: { .deferredToDate })
        /// ISO 8601 text, such as `2026-01-01T12:00:00Z`.
        public static let iso8601 = Dates(decoding: { .iso8601 }, encoding: { .iso8601 })
        /// Seconds since 1970-01-01 as a number.
        public static let secondsSince1970 = Dates(decoding: { .secondsSince1970 }, encoding: { .secondsSince1970 })
        /// Milliseconds since 1970-01-01 as a number.
        public static let millisecondsSince1970 = Dates(
            decoding: { .millisecondsSince1970 }, encoding: { .millisecondsSince1970 }
        )
    }

    /// Makes the decoder of one worker (each worker gets its own).
    public let makeDecoder: @Sendable () -> JSONDecoder
    /// Makes the encoder for one send.
    public let makeEncoder: @Sendable () -> JSONEncoder

    /// Coding with your own decoder and encoder factories, for settings beyond keys and dates.
    public init(decoder: @escaping @Sendable () -> JSONDecoder, encoder: @escaping @Sendable () -> JSONEncoder) {
        makeDecoder = decoder
        makeEncoder = encoder
    }

    /// Coding with the given key and date strategies.
    public init(keys: Keys = .useDefaultKeys, dates: Dates = .deferredToDate) {
        self.init(
            decoder: {
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = keys.decoding()
                decoder.dateDecodingStrategy = dates.decoding()
                return decoder
            },
            encoder: {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = keys.encoding()
                encoder.dateEncodingStrategy = dates.encoding()
                return encoder
            }
        )
    }

    /// Plain `JSONDecoder()` and `JSONEncoder()`: property names as keys, Foundation's date format.
    public static let `default` = JSONCoding(decoder: { JSONDecoder() }, encoder: { JSONEncoder() })

    /// `snake_case` keys and ISO 8601 dates, the usual shape of web APIs.
    public static let snakeCaseISO8601 = JSONCoding(keys: .snakeCase, dates: .iso8601)
}
