import Foundation

/// A token bucket for a ``DependencyRate``: it refills at the rate, holds at most
/// `capacity` tokens, and each message handed to a handler takes one.
///
/// With a capacity of 1, no window of one period ever sees more than `count` messages.
/// Pure: the caller passes the time, so tests drive it without a clock.
struct TokenBucket: Sendable, Equatable {
    /// The refill rate.
    let rate: DependencyRate
    /// The most tokens held.
    let capacity: Int
    /// Tokens now (fractional while refilling).
    private(set) var tokens: Double
    /// When `tokens` was last brought up to date.
    private var updated: Date

    /// A full bucket at `now`.
    init(rate: DependencyRate, capacity: Int, now: Date) {
        self.rate = rate
        self.capacity = max(1, capacity)
        self.tokens = Double(self.capacity)
        self.updated = now
    }

    /// Takes up to `wanted` whole tokens; returns how many were taken.
    mutating func take(_ wanted: Int, now: Date) -> Int {
        refill(now)
        let taken = max(0, min(wanted, Int(tokens.rounded(.down))))
        tokens -= Double(taken)
        return taken
    }

    /// Puts back `count` tokens taken but not used (a receive that found fewer messages).
    mutating func giveBack(_ count: Int, now: Date) {
        refill(now)
        tokens = min(Double(capacity), tokens + Double(max(0, count)))
    }

    /// When the next whole token is there (now when one is).
    mutating func nextToken(now: Date) -> Date {
        refill(now)
        guard tokens < 1 else { return now }
        let missing = 1 - tokens
        // Rounded up to the microsecond so a wake-up at that time always finds the token.
        let seconds = (missing / rate.perSecond * 1_000_000).rounded(.up) / 1_000_000
        return now.addingTimeInterval(seconds)
    }

    private mutating func refill(_ now: Date) {
        let elapsed = now.timeIntervalSince(updated)
        guard elapsed > 0 else { return }
        tokens = min(Double(capacity), tokens + elapsed * rate.perSecond)
        updated = now
    }
}
