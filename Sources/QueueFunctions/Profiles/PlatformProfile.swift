/// The platform whose trigger rules a function runs under: this runtime's own
/// defaults, or the documented rules of AWS Lambda with SQS, the Azure Functions
/// Storage Queue trigger or the Azure Functions Service Bus trigger.
///
/// Written in `functions.json` as `"profile": "aws-lambda-sqs"` on a function or in
/// `host` (the host's profile is every function's default). A profile is a set of
/// rules, not a separate dispatcher: it changes manifest validation and defaults,
/// retry timing, dead-letter naming, batch responses, metadata names and scaling.
///
/// ```swift
/// let profile = PlatformProfile.named("aws-lambda-sqs")  // .awsLambdaSQS
/// ```
public struct PlatformProfile: Sendable, Hashable, CustomStringConvertible {
    private enum Platform: String, CaseIterable, Sendable {
        case native
        case awsLambdaSQS = "aws-lambda-sqs"
        case azureStorageQueue = "azure-storage-queue"
        case azureServiceBus = "azure-service-bus"
    }

    private let platform: Platform

    private init(_ platform: Platform) { self.platform = platform }

    /// This runtime's own rules: exponential backoff with jitter, typed partial
    /// batches, `<queue>-dlq` with the full failure history.
    public static let native = PlatformProfile(.native)
    /// AWS Lambda with an SQS event source mapping: retries after the visibility
    /// timeout, `ReportBatchItemFailures` rules, Lambda's parameter checks and scaling ramp.
    public static let awsLambdaSQS = PlatformProfile(.awsLambdaSQS)
    /// The Azure Functions Storage Queue trigger (extension 5.x): `batchSize` 16,
    /// `maxDequeueCount` 5, a `<queue>-poison` queue that keeps the body only, a
    /// 10-minute lease renewed while the function runs, target-based scaling.
    public static let azureStorageQueue = PlatformProfile(.azureStorageQueue)
    /// The Azure Functions Service Bus trigger (extension 5.x): PeekLock with a
    /// 1-minute lock renewed automatically, `MaxDeliveryCount` 10, immediate redelivery
    /// on abandon, a dead-letter sub-queue, target-based scaling.
    public static let azureServiceBus = PlatformProfile(.azureServiceBus)

    /// Every profile name a manifest accepts, in documentation order.
    public static let allNames: [String] = Platform.allCases.map(\.rawValue)

    /// The profile written as `name` in a manifest, or nil for an unknown name.
    public static func named(_ name: String) -> PlatformProfile? {
        Platform(rawValue: name).map(PlatformProfile.init)
    }

    /// The name as written in a manifest (`aws-lambda-sqs`).
    public var name: String { platform.rawValue }

    /// The name as written in a manifest.
    public var description: String { name }

    /// Whether this is the runtime's own profile (no platform's trigger rules).
    package var isNative: Bool { platform == .native }
    /// Whether this is AWS Lambda with SQS.
    package var isLambda: Bool { platform == .awsLambdaSQS }
    /// Whether this is the Azure Storage Queue trigger.
    package var isAzureStorageQueue: Bool { platform == .azureStorageQueue }
    /// Whether this is the Azure Service Bus trigger.
    package var isAzureServiceBus: Bool { platform == .azureServiceBus }
    /// Whether this is one of the Azure triggers.
    package var isAzure: Bool { isAzureStorageQueue || isAzureServiceBus }
}
