import Foundation

/// Turns what happened in one invocation into store settlements: the retry and
/// dead-letter rules of the host, in one pure function.
struct SettlementPlanner: Sendable {
    /// How an invocation ended.
    enum Ending: Sendable, Equatable {
        /// The handler returned: unsettled items succeeded.
        case returned
        /// The handler threw: unsettled items failed with this text.
        case threw(String)
        /// The invocation ran past its timeout and was cancelled.
        case timedOut(Duration)
        /// The host shut down while the handler ran and cancelled it: unsettled items fail
        /// (their receive counts), so a message that hangs its handler on every start still
        /// reaches the dead-letter queue after `max_receive_count` restarts.
        case shutdown
    }

    /// One planned settlement and why, for metrics and logs.
    struct Planned: Sendable {
        var settlement: Settlement
        var succeeded: Bool
        var deadLettered: Bool
        var error: String?
        /// When the lease lapses: past it the settlement can no longer apply.
        var expiresAt: Date
        /// Azure Storage Queue: the body to add to the poison queue before the message is deleted.
        var poisonCopy: Data?
        /// What the batch's handler sent, stored with these settlements (on the batch's first plan).
        var outbox: [QueuedMessage] = []
    }

    /// The text recorded for a message whose handler was running when the host shut down.
    static let shutdownText = "the host shut down while the handler ran, and cancelled it"

    let queue: QueueConfig
    let retry: RetryPolicy
    let deadLetterQueue: String
    /// The platform whose batch and retry rules apply.
    let profile: PlatformProfile
    /// Lambda's `ReportBatchItemFailures`.
    let reportBatchItemFailures: Bool

    init(queue: QueueConfig, retry: RetryPolicy, profile: PlatformProfile = .native, reportBatchItemFailures: Bool = false) {
        self.queue = queue
        self.retry = retry
        self.deadLetterQueue = queue.effectiveDeadLetterQueue
        self.profile = profile
        self.reportBatchItemFailures = reportBatchItemFailures
    }

    /// Settlements for messages whose receive count is already past the limit before
    /// any handler saw them this time (an earlier delivery crashed or was killed).
    func exhausted(_ lease: Lease, now: Date) -> Planned {
        let text = "received \(lease.message.receiveCount) times, more than max_receive_count \(queue.maxReceiveCount), "
            + "without being settled: an earlier delivery probably crashed the host or was killed"
        return deadLetter(lease, text, now: now)
    }

    /// The settlement for a body that could not be decoded: retrying cannot fix it.
    func undecodable(_ lease: Lease, error: String, now: Date) -> Planned {
        deadLetter(lease, error, now: now)
    }

    /// The settlement for each invoked lease, from the handler's outcomes and how it ended.
    func plan(
        _ leases: [Lease], outcomes: [MessageID: ItemOutcome], ending: Ending, now: Date, random: () -> Double,
        invalidResponse: [String] = []
    ) -> [Planned] {
        let (outcomes, ending) = profile.batchResponse(
            outcomes: outcomes, ending: ending, invalidResponse: invalidResponse, reportBatchItemFailures: reportBatchItemFailures
        )
        // Most batches settle no item themselves: skip hashing every id then.
        let anyOutcome = !outcomes.isEmpty
        return leases.map { lease in
            if anyOutcome, let outcome = outcomes[lease.message.id] {
                return apply(outcome.kind, to: lease, now: now, random: random)
            }
            switch ending {
            case .returned:
                return apply(.success, to: lease, now: now, random: random)
            case .threw(let text):
                return apply(.failure(text), to: lease, now: now, random: random)
            case .timedOut(let timeout):
                let text = "timed out after \(DurationText.format(timeout)) and was cancelled; raise the function's timeout if the work needs longer"
                return apply(.failure(text), to: lease, now: now, random: random)
            case .shutdown:
                return apply(.failure(Self.shutdownText), to: lease, now: now, random: random)
            }
        }
    }

    private func apply(_ kind: ItemOutcome.Kind, to lease: Lease, now: Date, random: () -> Double) -> Planned {
        let attempt = lease.message.receiveCount
        switch kind {
        case .success:
            return Planned(settlement: Settlement(lease.token, .ack), succeeded: true, deadLettered: false, error: nil,
                           expiresAt: lease.expiresAt)
        case .deadLetter(let reason):
            return deadLetter(lease, reason, now: now)
        case .failure(let text):
            if attempt >= queue.maxReceiveCount { return deadLetter(lease, text, now: now) }
            let delay = profile.retryDelay(for: lease, retry: retry, now: now) ?? retry.delay(afterAttempt: attempt, unit: random())
            return retryPlan(lease, after: delay, text, now: now)
        case .retry(let delay, let text):
            if attempt >= queue.maxReceiveCount { return deadLetter(lease, text, now: now) }
            return retryPlan(lease, after: delay, text, now: now)
        }
    }

    private func retryPlan(_ lease: Lease, after delay: Duration, _ text: String, now: Date) -> Planned {
        let failure = FailureRecord(attempt: lease.message.receiveCount, at: now, error: text)
        return Planned(
            settlement: Settlement(lease.token, .retry(after: delay, failure: failure)),
            succeeded: false, deadLettered: false, error: text, expiresAt: lease.expiresAt
        )
    }

    /// The settlement that hands a leased message back untouched: it never reached a handler.
    func handBack(_ lease: Lease) -> Planned {
        Planned(settlement: Settlement(lease.token, .abandon), succeeded: false, deadLettered: false, error: nil,
                expiresAt: lease.expiresAt)
    }

    private func deadLetter(_ lease: Lease, _ text: String, now: Date) -> Planned {
        if profile.isAzureStorageQueue {
            // QueueProcessor.cs: a new message with the body only, then the original is deleted.
            return Planned(settlement: Settlement(lease.token, .ack), succeeded: false, deadLettered: true, error: text,
                           expiresAt: lease.expiresAt, poisonCopy: lease.message.body)
        }
        let failure = FailureRecord(attempt: lease.message.receiveCount, at: now, error: text)
        return Planned(
            settlement: Settlement(lease.token, .deadLetter(queue: deadLetterQueue, failure: failure)),
            succeeded: false, deadLettered: true, error: text, expiresAt: lease.expiresAt
        )
    }
}
