import Foundation

/// The contract every storage engine meets: SQS-like at-least-once queues with leases.
///
/// Semantics, proven for every engine by the one conformance suite in the tests:
/// - ``send(_:to:)`` is durable (as far as the engine is) before it returns.
/// - ``receive(from:maxCount:visibilityTimeout:)`` leases up to `maxCount` visible
///   messages, oldest first. Each lease has a fresh token; the receive count goes up
///   at receive time, so a delivery that crashes its process still counts.
/// - ``settle(_:)`` acks, retries after a delay, dead-letters with history, or
///   abandons, all in one step per call. A stale token is refused with
///   ``SettleResult/staleLease`` and changes nothing.
/// - A lease that is neither settled nor extended lapses and the message becomes
///   visible again.
public protocol QueueStore: Sendable {
    /// Stores `messages` on `queue`. When this returns, the messages are accepted.
    func send(_ messages: [OutgoingMessage], to queue: String) async throws

    /// Leases up to `maxCount` visible messages of `queue`, oldest first.
    ///
    /// - Returns: The leases; empty when nothing is visible.
    func receive(from queue: String, maxCount: Int, visibilityTimeout: Duration) async throws -> [Lease]

    /// Applies each settlement, in order, as one step.
    ///
    /// - Returns: One result per settlement, in the same order.
    func settle(_ settlements: [Settlement]) async throws -> [SettleResult]

    /// Applies `settlements`, then leases up to `maxCount` visible messages of `queue`:
    /// a worker's "finish this batch, take the next" in one step (one transaction on
    /// SQLite). The default settles, then receives.
    ///
    /// - Returns: One result per settlement, in order, and the new leases.
    func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease])

    /// Renews a lease so that it lapses `visibilityTimeout` from now.
    ///
    /// - Returns: ``SettleResult/staleLease`` when the token is no longer current.
    func extend(_ token: LeaseToken, visibilityTimeout: Duration) async throws -> SettleResult

    /// Moves up to `limit` messages from the dead-letter queue `deadLetterQueue` back
    /// to `destination`, or to each message's own source queue when `destination` is nil.
    /// Moved messages are visible at once, their receive count starts again from zero,
    /// and their failure history is kept.
    ///
    /// - Returns: How many messages were moved.
    func redrive(from deadLetterQueue: String, to destination: String?, limit: Int) async throws -> Int

    /// Deletes every message of `queue`, in any state.
    ///
    /// - Returns: How many messages were deleted.
    func purge(_ queue: String) async throws -> Int

    /// Lists up to `limit` messages of `queue` (any state, oldest first) without leasing them.
    func peek(_ queue: String, limit: Int) async throws -> [StoredMessage]

    /// Counts the messages of `queue` by state.
    func stats(for queue: String) async throws -> QueueStats

    /// The names of every queue that holds at least one message.
    func queueNames() async throws -> [String]

    /// Suspends until a message may have become visible on `queue` (a send in this
    /// process, a retry or lease coming due), or until `deadline`. May return early;
    /// callers receive again afterwards.
    func waitForMessages(on queue: String, until deadline: Date) async

    /// Releases the engine's resources. Later calls fail.
    func close() async

    /// How many receive steps (``settleAndReceive(_:from:maxCount:visibilityTimeout:)``)
    /// a function's receiver keeps in flight at once: 1 (the default) for an engine that
    /// runs one step at a time; an engine with a pool of connections answers its size.
    var receiveLanes: Int { get }

    /// How many batches per running worker a function's receiver may lease ahead (while
    /// batches are quick next to the visibility timeout). 2 by default; an engine whose
    /// cost per step is high asks for more, so that one step carries more rows.
    var receivePrefetch: Int { get }
}

extension QueueStore {
    /// One step at a time.
    public var receiveLanes: Int { 1 }

    /// Two batches ahead per worker.
    public var receivePrefetch: Int { 2 }

    /// Settles, then receives: two steps.
    public func settleAndReceive(
        _ settlements: [Settlement], from queue: String, maxCount: Int, visibilityTimeout: Duration
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        let results = settlements.isEmpty ? [] : try await settle(settlements)
        let leases = try await receive(from: queue, maxCount: maxCount, visibilityTimeout: visibilityTimeout)
        return (results, leases)
    }

    /// Stores one message on `queue`.
    ///
    /// - Returns: The message's identity.
    @discardableResult
    public func send(_ body: Data, to queue: String, delay: Duration = .zero) async throws -> MessageID {
        let message = OutgoingMessage(body: body, delay: delay)
        try await send([message], to: queue)
        return message.id
    }

    /// Deletes a handled message.
    public func ack(_ token: LeaseToken) async throws -> SettleResult {
        try await settle([Settlement(token, .ack)]).first ?? .staleLease
    }

    /// Makes a message visible again after `delay`, recording `failure`.
    public func retry(_ token: LeaseToken, after delay: Duration, failure: FailureRecord) async throws -> SettleResult {
        try await settle([Settlement(token, .retry(after: delay, failure: failure))]).first ?? .staleLease
    }

    /// Moves a message to `queue` with its history and `failure`.
    public func deadLetter(_ token: LeaseToken, to queue: String, failure: FailureRecord) async throws -> SettleResult {
        try await settle([Settlement(token, .deadLetter(queue: queue, failure: failure))]).first ?? .staleLease
    }
}

/// Errors a store reports. Each description names what failed and what to do.
public struct QueueStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Kind: Sendable, Equatable {
        /// The store was closed.
        case closed
        /// The store location could not be used (missing, unreadable, not a database, locked).
        case unusableLocation
        /// The file was written by a newer version of QueueFunctions.
        case newerSchema
        /// The engine failed while running a statement.
        case engine
        /// An argument was out of range.
        case invalidArgument
        /// The store is busy or locked for a moment (another process holds a lock).
        /// Retryable: the same call may succeed after a backoff.
        case busy
        /// The store cannot be reached for now (connection lost, server restarting).
        /// Retryable: the same call may succeed after a backoff.
        case unavailable
    }

    /// Whether the same call may succeed later: `busy` and `unavailable` are retryable;
    /// everything else (closed, corrupt, disk full, newer schema, bad argument) is fatal.
    public var isRetryable: Bool {
        switch kind {
        case .busy, .unavailable: true
        case .closed, .unusableLocation, .newerSchema, .engine, .invalidArgument: false
        }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// What happened and what to do, for a person.
    public var message: String

    /// Creates a store error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// What happened and what to do.
    public var description: String { message }
}
