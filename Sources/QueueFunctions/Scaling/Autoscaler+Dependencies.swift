extension Autoscaler {
    /// `proposals` lowered to what the functions' dependencies can serve: no more workers
    /// than `max_concurrency` fills with batches, and one while a circuit breaker is open.
    /// The scaling event's reason says which dependency capped it.
    func cappedByDependencies(_ proposals: [String: ScalingDecision], host: FunctionHost) -> [String: ScalingDecision] {
        var capped = proposals
        for (name, proposal) in proposals {
            guard let runner = host.runner(named: name),
                  let (limit, reason) = runner.dependencyGates.workerLimit(batchSize: runner.function.trigger.batchSize),
                  limit < proposal.to else { continue }
            capped[name] = proposal.capped(at: max(limit, runner.function.scale.minWorkers), because: "capped at \(limit): \(reason)")
        }
        return capped
    }
}
