import Foundation
import Synchronization

/// What ``OnceKeyStore/claimOnce(_:for:)`` found for a key.
public enum OnceClaim: Sendable, Equatable {
    /// The key is new (or its earlier claim lapsed, or its record expired): run the body,
    /// then complete the key with this token (or abandon it if the body threw).
    case claimed(token: String)
    /// The body already ran and succeeded for this key: here is its encoded result.
    case completed(result: Data)
    /// Another delivery is running the body now; its claim lapses at `until`.
    case running(until: Date)
}

/// A store capability: durable "processed" keys for ``FunctionContext/once(key:ttl:_:)``,
/// shared by every host of the store and kept across restarts where the store is durable.
///
/// A key moves from absent → claimed (with a token and a lapse time) → completed (with
/// the result, until its TTL passes). Only the claim's token completes or abandons it; a
/// claim that lapses (its host died) may be taken over by the next claimant.
public protocol OnceKeyStore: QueueStore {
    /// Claims `key` for `duration`, or reports its result or its running claim.
    func claimOnce(_ key: String, for duration: Duration) async throws -> OnceClaim

    /// Records that the body of the claim `token` succeeded with `result`; the key is
    /// remembered for `ttl` from now.
    ///
    /// - Returns: false when the claim was no longer this token's (it lapsed and was taken over).
    func completeOnce(_ key: String, token: String, result: Data, ttl: Duration) async throws -> Bool

    /// Forgets the claim `token` on `key` (its body threw), so the next delivery runs it.
    func abandonOnce(_ key: String, token: String) async throws
}

/// The once-keys of an engine that keeps them in memory (the memory engine), with the
/// transitions every engine implements: the reference the conformance suite checks.
package final class OnceKeyTable: Sendable {
    private enum Entry {
        case claimed(token: String, until: Date)
        case completed(result: Data, expiresAt: Date)
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let clock: any HostClock

    /// A table on `clock`.
    package init(clock: any HostClock) {
        self.clock = clock
    }

    /// See ``OnceKeyStore/claimOnce(_:for:)``.
    package func claim(_ key: String, for duration: Duration) -> OnceClaim {
        let now = clock.now()
        return entries.withLock { entries in
            switch entries[key] {
            case .completed(let result, let expiresAt)? where expiresAt > now:
                return .completed(result: result)
            case .claimed(_, let until)? where until > now:
                return .running(until: until)
            default:
                let token = MessageID.generate().rawValue
                entries[key] = .claimed(token: token, until: now.adding(duration))
                return .claimed(token: token)
            }
        }
    }

    /// See ``OnceKeyStore/completeOnce(_:token:result:ttl:)``.
    package func complete(_ key: String, token: String, result: Data, ttl: Duration) -> Bool {
        let now = clock.now()
        return entries.withLock { entries in
            guard case .claimed(let current, _)? = entries[key], current == token else { return false }
            entries[key] = .completed(result: result, expiresAt: now.adding(ttl))
            if entries.count % 1024 == 0 { Self.prune(&entries, now: now) }
            return true
        }
    }

    /// See ``OnceKeyStore/abandonOnce(_:token:)``.
    package func abandon(_ key: String, token: String) {
        entries.withLock { entries in
            if case .claimed(let current, _)? = entries[key], current == token { entries[key] = nil }
        }
    }

    private static func prune(_ entries: inout [String: Entry], now: Date) {
        entries = entries.filter { _, entry in
            switch entry {
            case .claimed(_, let until): until > now
            case .completed(_, let expiresAt): expiresAt > now
            }
        }
    }
}
