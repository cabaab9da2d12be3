import Foundation

/// Lease renewal for running batches: a lease never lapses under a running handler.
extension FunctionRunner {
    /// Starts keeping `leases` alive while their handler runs, by the function's profile:
    /// natively and on the Azure Storage Queue trigger for as long as the handler runs
    /// (Azure at least a minute apart); on Service Bus for single dispatch only and for at
    /// most `maxAutoLockRenewalDuration` (5 minutes); never on Lambda, which does not renew.
    func keepAlive(_ leases: [Lease]) -> LeaseRenewal {
        let profile = function.profile
        let until = profile.isAzureServiceBus ? environment.clock.now().adding(AzureServiceBusRules.maximumAutoLockRenewal) : nil
        let renewal = LeaseRenewal(leases, until: until)
        let renews = !profile.isLambda && !(profile.isAzureServiceBus && leases.count > 1)
        if renews { scheduleRenewal(renewal) }
        return renewal
    }

    /// Stops renewing and brings the plan up to date: settlements of lost leases are
    /// skipped (another delivery owns the message now), the others carry their renewed expiry.
    func stopRenewing(_ renewal: LeaseRenewal, _ planned: [SettlementPlanner.Planned]) -> [SettlementPlanner.Planned] {
        let (expiries, lost, scheduled) = renewal.finish()
        if let scheduled { deadlines.cancel(scheduled) }
        return planned.compactMap { plan in
            let token = plan.settlement.token
            guard lost.isEmpty || !lost.contains(token) else { return nil }
            var updated = plan
            if let expiry = expiries[token] { updated.expiresAt = expiry }
            return updated
        }
    }

    private func scheduleRenewal(_ renewal: LeaseRenewal) {
        let visibility = queue.visibilityTimeout
        let minimumGap = function.profile.isAzureStorageQueue
            ? max(visibility / 10, AzureStorageQueueRules.minimumRenewalInterval) : visibility / 10
        let margin = function.profile.isAzureStorageQueue
            ? max(.zero, min(visibility / 2, visibility - AzureStorageQueueRules.minimumRenewalInterval)) : visibility / 2
        guard let due = renewal.nextRenewal(now: environment.clock.now(), margin: margin, minimumGap: minimumGap) else { return }
        let executor = environment.taskExecutor
        // Lease expiries are the store's (wall-clock) times; the wait until then is monotonic.
        let id = deadlines.schedule(after: due.duration(since: environment.clock.now())) { [self] in
            Task(executorPreference: executor) { await self.renew(renewal) }
        }
        if !renewal.setScheduled(id) { deadlines.cancel(id) }
    }

    private func renew(_ renewal: LeaseRenewal) async {
        let visibility = queue.visibilityTimeout
        for token in renewal.tokensToRenew {
            do {
                let result = try await environment.store.extend(token, visibilityTimeout: visibility)
                if result == .applied {
                    renewal.renewed(token, until: environment.clock.now().adding(visibility))
                    metrics.update { $0.renewedLeases += 1 }
                } else if renewal.markLost(token) {
                    metrics.update { $0.lostLeases += 1 }
                    logger.warning("lost the lease of a running message: renewing it was refused as stale; its settlement will be skipped",
                                   [("queue", queue.name), ("message_id", token.messageID.rawValue)])
                    environment.events.record(HostEvent(
                        time: environment.clock.now(), kind: .failure, function: function.name,
                        message: "lost the lease of message \(token.messageID) while its handler ran"
                    ))
                }
            } catch {
                logger.warning("renewing a lease failed; trying again before it lapses",
                               [("queue", queue.name), ("message_id", token.messageID.rawValue), ("error", "\(error)")])
            }
        }
        scheduleRenewal(renewal)
    }
}
