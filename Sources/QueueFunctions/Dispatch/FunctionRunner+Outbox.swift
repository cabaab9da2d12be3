import Foundation

/// The transactional outbox: what a handler sent through its context is stored in the
/// same store step as its batch's settlements, or not at all.
extension FunctionRunner {
    /// An outbox for one invocation when the store commits sends with settlements; nil
    /// when it does not (the context then sends at once).
    func makeOutbox() -> InvocationOutbox? {
        storeKeepsOutbox ? InvocationOutbox() : nil
    }

    /// Settles `planned` (and stores their outbox with them, all or nothing), then leases up
    /// to `maxCount` messages: one store step.
    ///
    /// - Returns: One result per plan, and the new leases.
    func settle(
        _ planned: [SettlementPlanner.Planned], thenReceive maxCount: Int
    ) async throws -> (results: [SettleResult], leases: [Lease]) {
        let settlements = planned.map(\.settlement)
        let outbox = storeKeepsOutbox ? planned.flatMap(\.outbox) : []
        if !outbox.isEmpty, let store = environment.store as? any TransactionalOutboxStore {
            let answer = try await store.settle(
                settlements, outbox: outbox, thenReceiveFrom: queue.name, maxCount: maxCount,
                visibilityTimeout: queue.visibilityTimeout
            )
            if !answer.outboxStored {
                logger.warning("a handled batch was not settled: one of its leases had lapsed; the batch is delivered again "
                    + "and what its handler sent is sent once then", [("queue", queue.name), ("messages", "\(planned.count)")])
            }
            return (answer.results, answer.leases)
        }
        if maxCount == 0 { return (try await environment.store.settle(settlements), []) }
        return try await environment.store.settleAndReceive(
            settlements, from: queue.name, maxCount: maxCount, visibilityTimeout: queue.visibilityTimeout
        )
    }

    /// Attaches what the invocation sent to its plans, when its handler returned: a batch
    /// that threw, timed out or was stopped sends nothing. When a lease of the batch was
    /// lost, nothing of it is settled: the batch comes again and sends once then.
    func attach(
        _ outbox: InvocationOutbox?, to planned: [SettlementPlanner.Planned], returned: Bool, lostLeases: Bool
    ) -> [SettlementPlanner.Planned] {
        let sent = outbox?.seal() ?? []
        guard !sent.isEmpty, returned else { return planned }
        guard !lostLeases, !planned.isEmpty else {
            logger.warning("a lease of the batch was lost while it ran: the batch is not settled, so what its handler sent is sent once, "
                + "by its next delivery", [("queue", queue.name), ("messages", "\(sent.count)")])
            return []
        }
        var attached = planned
        attached[0].outbox = sent
        return attached
    }
}
