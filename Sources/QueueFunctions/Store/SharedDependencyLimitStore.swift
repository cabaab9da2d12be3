import Foundation

/// What a host asks of a dependency's shared limits (``SharedDependencyLimitStore``).
public struct DependencyLimitRequest: Sendable, Equatable {
    /// The dependency.
    public var dependency: DependencyConfig
    /// Who holds the permits: one id per host, so a dead host's permits can lapse.
    public var holder: String
    /// How many messages the caller would like to receive.
    public var wanted: Int
    /// How long the holder's permits last unless it calls again (a dead host's come back after it).
    public var leaseFor: Duration

    /// Creates a request.
    public init(dependency: DependencyConfig, holder: String, wanted: Int, leaseFor: Duration) {
        self.dependency = dependency
        self.holder = holder
        self.wanted = wanted
        self.leaseFor = leaseFor
    }
}

/// What the shared limits granted.
public struct DependencyLimitGrant: Sendable, Equatable {
    /// Messages that may be received now (permits taken and rate tokens spent).
    public var granted: Int
    /// When the next rate token is due, when the rate is what limited the grant.
    public var nextTokenAt: Date?

    /// Creates a grant.
    public init(granted: Int, nextTokenAt: Date? = nil) {
        self.granted = granted
        self.nextTokenAt = nextTokenAt
    }
}

/// A store capability: a dependency's `max_concurrency` permits and `rate` tokens kept in
/// the store, so every host sharing it (PostgreSQL) stays under one limit together.
///
/// Permits are held per holder (host) with a lease that every call of the holder renews;
/// a host that dies stops renewing, and its permits come back when the lease lapses.
public protocol SharedDependencyLimitStore: QueueStore {
    /// Takes up to `request.wanted` permits and rate tokens for `request.holder`.
    func acquireDependency(_ request: DependencyLimitRequest) async throws -> DependencyLimitGrant

    /// Returns `permits` held by `holder` (finished or unused messages) and `tokens`
    /// taken but not used (a receive that found fewer messages), renewing the holder's lease.
    func releaseDependency(
        _ dependency: DependencyConfig, holder: String, permits: Int, tokens: Int, leaseFor: Duration
    ) async throws
}

extension DependencyLimitRequest {
    /// The arithmetic every engine applies inside its transaction: given the permits in use
    /// by everyone and the bucket's micro-tokens (millionths of a token) last updated at
    /// `updated`, what to grant at `now`, and the bucket afterwards.
    public func decide(inUse: Int, microTokens: Int64, updated: Date, now: Date) -> (grant: DependencyLimitGrant, microTokens: Int64) {
        var allowed = max(0, wanted)
        if let limit = dependency.maxConcurrency { allowed = min(allowed, max(0, limit - inUse)) }
        guard let rate = dependency.rate else { return (DependencyLimitGrant(granted: allowed), microTokens) }
        let capacity = Int64(max(1, dependency.burst)) * 1_000_000
        let elapsed = max(0, now.timeIntervalSince(updated))
        let refill = min(Double(capacity), elapsed * rate.perSecond * 1_000_000)
        let tokens = min(capacity, microTokens + Int64(refill))
        let taken = min(allowed, Int(tokens / 1_000_000))
        let left = tokens - Int64(taken) * 1_000_000
        var next: Date?
        if taken == 0, allowed > 0 {
            let missing = Double(1_000_000 - left) / 1_000_000
            next = now.addingTimeInterval((missing / rate.perSecond * 1_000_000).rounded(.up) / 1_000_000)
        }
        return (DependencyLimitGrant(granted: taken, nextTokenAt: next), left)
    }
}
