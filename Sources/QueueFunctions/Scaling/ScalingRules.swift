/// Whose scaling rules a function's ``ScalingPolicy`` follows: this runtime's own, or
/// a platform's, so a local run (and `simulate --profiles`) scales the way the cloud would.
public struct ScalingRules: Sendable, Hashable, CustomStringConvertible {
    enum Kind: String, Sendable, CaseIterable {
        case native
        case awsLambda = "aws-lambda"
        case azureTargetBased = "azure-target-based"
        case keda
    }

    let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// This runtime's rules (see ``ScalingPolicy``): backlog per worker, +`max_scale_up_step`
    /// per decision, scale-down after a stabilization window, held while invocations fail.
    public static let native = ScalingRules(.native)
    /// AWS Lambda + SQS (docs `services-sqs-scaling`): 5 concurrent batches at first,
    /// then up to 300 more per minute while messages remain, at most 1,000; down as
    /// soon as fewer batches are needed.
    public static let awsLambda = ScalingRules(.awsLambda)
    /// Azure Functions target-based scaling (docs `functions-target-based-scaling.md`):
    /// `ceil(queue length / target executions per instance)`, at most 4 more per decision.
    public static let azureTargetBased = ScalingRules(.azureTargetBased)
    /// KEDA with the Kubernetes HPA defaults (keda-docs `scaledobject-spec.md`): activation
    /// 0 → 1, `ceil(queue length / queueLength)` every 15 s with tolerance 0.1, up by
    /// +100 % or +4, down only to the highest desire of the last 300 s, 1 → 0 after `cooldownPeriod` 300 s.
    public static let keda = ScalingRules(.keda)

    /// The rules written as `name` (`native`, `aws-lambda`, `azure-target-based`, `keda`).
    public static func named(_ name: String) -> ScalingRules? { Kind(rawValue: name).map(ScalingRules.init) }

    /// The name (`aws-lambda`).
    public var description: String { kind.rawValue }
}
