/// How a platform reads what an invocation returned: which items failed.
extension PlatformProfile {
    /// The outcomes and ending the settlement follows, after the platform's rules.
    ///
    /// Lambda + SQS (docs `services-sqs-errorhandling`, platforms.md §6.3):
    /// - a function error (a throw or a timeout) fails the whole batch: Lambda never
    ///   sees the items the handler settled before;
    /// - with `ReportBatchItemFailures`, an invalid response (an item identifier that is
    ///   not a message of the batch, empty, or unparsable) fails the whole batch;
    /// - without it, a JSON response (``LambdaSQSFunction``) is not read: every item is
    ///   deleted, failures included; a typed failure (``MessageBatch/settle(_:_:)``, a
    ///   ``MessageFunction`` that throws) stands for the error a Lambda handler would
    ///   throw, and fails the whole batch;
    /// - an item cannot be dead-lettered or delayed by the function: it fails, and SQS
    ///   moves it after `maxReceiveCount` receives.
    func batchResponse(
        outcomes: [MessageID: ItemOutcome], ending: SettlementPlanner.Ending, invalidResponse: [String],
        reportBatchItemFailures: Bool
    ) -> (outcomes: [MessageID: ItemOutcome], ending: SettlementPlanner.Ending) {
        guard isLambda else { return (outcomes, ending) }
        switch ending {
        case .shutdown:
            return (outcomes, ending)
        case .threw, .timedOut:
            return ([:], ending)
        case .returned:
            guard reportBatchItemFailures else {
                let failed = outcomes.values.compactMap { outcome -> String? in
                    switch outcome.kind {
                    case .success: nil
                    case .failure(let reason) where reason == LambdaBatchResponse.reportedReason: nil
                    case .failure(let reason), .retry(_, let reason), .deadLetter(let reason): reason
                    }
                }
                guard let first = failed.first else { return ([:], .returned) }
                return ([:], .threw("\(failed.count) item(s) failed (\(first)); without report_batch_item_failures "
                    + "Lambda cannot fail single items, so the whole batch fails"))
            }
            if !invalidResponse.isEmpty {
                let text = "the batch response is invalid, so Lambda fails the whole batch: " + invalidResponse.joined(separator: "; ")
                return ([:], .threw(text))
            }
            return (outcomes.mapValues { outcome in
                switch outcome.kind {
                case .success, .failure: outcome
                case .retry(_, let reason), .deadLetter(let reason): .failure(reason)
                }
            }, .returned)
        }
    }
}
