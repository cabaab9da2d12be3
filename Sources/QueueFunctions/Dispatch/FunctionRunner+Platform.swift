import Foundation
import Synchronization

/// Dispatcher steps that only some platform profiles take: Azure's poison copies and
/// lease renewal, Lambda's payload cap.
extension FunctionRunner {
    /// Adds the body of every message planned for Azure's poison queue as a new message
    /// (`poisonQueue.AddMessageAndCreateIfNotExists(message.Body)`): new id, no history.
    /// The original is deleted afterwards, so, as on Azure, a failed delete can leave a duplicate.
    ///
    /// - Returns: `planned` with the copies made taken off, so that settling again after a
    ///   store failure does not copy twice.
    func sendPoisonCopies(_ planned: [SettlementPlanner.Planned]) async -> [SettlementPlanner.Planned] {
        guard planned.contains(where: { $0.poisonCopy != nil }) else { return planned }
        var remaining = planned
        for index in remaining.indices {
            guard let body = remaining[index].poisonCopy else { continue }
            do {
                _ = try await environment.store.send(body, to: planner.deadLetterQueue)
                remaining[index].poisonCopy = nil
            } catch {
                logger.error("adding a message to the poison queue failed; it is delivered again when its lease lapses",
                             [("message_id", remaining[index].settlement.token.messageID.rawValue), ("error", "\(error)")])
            }
        }
        return remaining
    }

    /// The Azure Storage Queue trigger's listener (`QueueListener.cs`): each message of a
    /// fetched batch is its own invocation, run in parallel, settled as soon as it returns
    /// (a failure or timeout fails that message only); whenever the messages still running
    /// drop to `newBatchThreshold`, the next batch is fetched at once, so up to
    /// `batchSize + newBatchThreshold` run together.
    ///
    /// - Returns: Nothing left to settle: every message is settled before it returns.
    func invokeEachMessage(_ leases: [Lease], invoker: any FunctionInvoker) async -> [SettlementPlanner.Planned] {
        enum Event: Sendable {
            case finished([SettlementPlanner.Planned])
            case wake
        }
        let batchSize = function.trigger.batchSize
        let threshold = function.trigger.newBatchThreshold ?? AzureStorageQueueRules.defaultNewBatchThreshold(batchSize: batchSize)
        let store = environment.store
        let queueName = queue.name
        await withTaskGroup(of: Event.self) { group in
            var running = 0
            var polling = false
            func start(_ lease: Lease) {
                running += 1
                group.addTask { .finished(await self.process([lease], invoker: invoker, decoder: JSONDecoder())) }
            }
            func poll() {
                guard !polling else { return }
                polling = true
                let deadline = environment.clock.now().adding(environment.idlePollInterval)
                group.addTask {
                    await store.waitForMessages(on: queueName, until: deadline)
                    return .wake
                }
            }
            leases.forEach(start)
            while running > 0, let event = await group.next() {
                switch event {
                case .finished(let planned):
                    running -= 1
                    await apply(planned)
                case .wake:
                    polling = false
                }
                guard running > 0, running <= threshold, !state.withLock({ $0.stopping }), !Task.isCancelled else { continue }
                do {
                    let more = try await store.receive(from: queueName, maxCount: batchSize, visibilityTimeout: queue.visibilityTimeout)
                    more.forEach(start)
                    if more.isEmpty { poll() }
                } catch {
                    logger.error("receive failed while the batch's messages ran; fetching again after them", [("error", "\(error)")])
                }
            }
            // Only a poller can be left.
            group.cancelAll()
        }
        return []
    }

    /// Lambda hands the function the raw event, so a body the handler cannot decode is a
    /// function error: the whole batch fails (and reappears after the visibility timeout),
    /// instead of the one message being dead-lettered at once. Nil for other profiles or
    /// when every body decodes.
    func lambdaDecodingFailure(_ prepared: PreparedInvocation, _ leases: [Lease], now: Date) -> [SettlementPlanner.Planned]? {
        guard function.profile.isLambda, let first = prepared.undecodable.first else { return nil }
        let text = "message \(first.lease.message.id): \(first.error); on Lambda the handler's decoding error fails the whole batch"
        return planner.plan(leases, outcomes: [:], ending: .threw(text), now: now, random: environment.random)
    }

    /// Lambda invokes before a batch's bodies pass 6 MB: the leases beyond the cap are
    /// handed back (visible again, their receive given back) for a later batch.
    func cutToPayloadLimit(_ leases: [Lease]) async -> [Lease] {
        guard function.profile.isLambda else { return leases }
        var total = 0
        var kept: [Lease] = []
        for lease in leases {
            total += lease.message.body.count
            if total > LambdaSQSRules.maximumPayloadBytes, !kept.isEmpty { break }
            kept.append(lease)
        }
        let released = leases.dropFirst(kept.count)
        if !released.isEmpty {
            await apply(released.map(planner.handBack))
        }
        return kept
    }
}
