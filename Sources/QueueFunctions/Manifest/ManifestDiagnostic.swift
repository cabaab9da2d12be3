/// One problem found in `functions.json`: where it is, what is wrong, and how to fix it.
///
/// ``formatted(file:)`` renders it the way compilers do, so editors and terminals
/// can jump to the line:
///
/// ```text
/// functions.json:14:21: error: $.functions[0].trigger.batch_size: 0 is out of range 1…10000. Fix: set batch_size between 1 and 10000 (default 10).
/// ```
public struct ManifestDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// Whether a diagnostic stops the host from starting.
    public enum Severity: String, Sendable, Equatable {
        /// The manifest is invalid; nothing runs until it is fixed.
        case error
        /// The manifest works, but goes against the platforms' own advice.
        case warning
    }

    /// Whether this is an error or a warning.
    public var severity: Severity
    /// What kind of problem this is, for tools and tests (`unknown-key`, `out-of-range`).
    public var kind: Kind
    /// The JSON path of the value concerned (`$.functions[0].trigger.batch_size`);
    /// empty for problems with the file itself.
    public var path: String
    /// The 1-based line of the value (or of the object missing a key), if known.
    public var line: Int?
    /// The 1-based column, counted in Unicode scalars, if known.
    public var column: Int?
    /// What is wrong, as one sentence.
    public var message: String
    /// What to do about it, as one sentence.
    public var fix: String

    /// Creates a diagnostic.
    public init(
        severity: Severity, kind: Kind, path: String, line: Int? = nil, column: Int? = nil, message: String, fix: String
    ) {
        self.severity = severity
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.fix = fix
    }

    /// The diagnostic as one line: `file:line:column: severity: path: message. Fix: fix.`
    ///
    /// - Parameter file: The manifest's name or path as the user knows it.
    /// - Returns: The line, without a trailing newline.
    public func formatted(file: String) -> String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": \(severity.rawValue): "
        if !path.isEmpty { text += "\(path): " }
        text += Self.sentence(message) + " Fix: " + Self.sentence(fix)
        return text
    }

    /// The diagnostic formatted without a file name.
    public var description: String { formatted(file: "functions.json") }

    private static func sentence(_ text: String) -> String {
        guard let last = text.last, !".!?".contains(last) else { return text }
        return text + "."
    }
}

extension ManifestDiagnostic {
    /// A stable identifier for a kind of manifest problem.
    ///
    /// A struct rather than an enum so new kinds can be added without breaking
    /// code that switches over them.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The identifier (`unknown-key`).
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The identifier.
        public var description: String { rawValue }

        /// The file is missing, unreadable or not UTF-8.
        public static let unreadableFile = Kind("unreadable-file")
        /// The text is not valid JSON.
        public static let syntax = Kind("syntax")
        /// A key the manifest does not define.
        public static let unknownKey = Kind("unknown-key")
        /// A key written twice in one object.
        public static let duplicateKey = Kind("duplicate-key")
        /// A value of the wrong JSON type.
        public static let wrongType = Kind("wrong-type")
        /// A required key is absent.
        public static let missingKey = Kind("missing-key")
        /// A value of the right type that cannot be used (an unparsable duration, an unknown producer type).
        public static let invalidValue = Kind("invalid-value")
        /// A number or duration outside its allowed range.
        public static let outOfRange = Kind("out-of-range")
        /// A queue name with characters or a length that stores and URLs cannot carry.
        public static let invalidQueueName = Kind("invalid-queue-name")
        /// Two queues with the same name.
        public static let duplicateQueue = Kind("duplicate-queue")
        /// Two functions with the same name.
        public static let duplicateFunction = Kind("duplicate-function")
        /// A trigger or producer refers to a queue that is not declared.
        public static let unknownQueue = Kind("unknown-queue")
        /// Two functions are triggered by the same queue.
        public static let sharedTrigger = Kind("shared-trigger")
        /// A function's handler is not registered.
        public static let unknownHandler = Kind("unknown-handler")
        /// A registered handler that no function uses.
        public static let unusedHandler = Kind("unused-handler")
        /// A queue's visibility timeout is shorter than the timeout of the function it triggers.
        public static let visibilityTimeoutTooShort = Kind("visibility-timeout-too-short")
        /// A queue whose dead-letter queue is itself.
        public static let selfDeadLetter = Kind("self-dead-letter")
        /// A producer route that is not `METHOD /path`.
        public static let invalidRoute = Kind("invalid-route")
        /// A producer route under a path the host serves itself.
        public static let reservedRoute = Kind("reserved-route")
        /// Two producers with the same method and path.
        public static let duplicateRoute = Kind("duplicate-route")
        /// Warning: visibility timeout below 6 × function timeout + batching window (AWS advice).
        public static let visibilityTimeoutBelowAdvice = Kind("visibility-timeout-below-advice")
        /// Warning: `max_receive_count` below 5 (AWS advice).
        public static let lowMaxReceiveCount = Kind("low-max-receive-count")
        /// Warning: `batch_size` over 10 without a batching window (Lambda requires one).
        public static let batchWithoutWindow = Kind("batch-without-window")
        /// Warning: a declared queue that nothing triggers or feeds and that is not a dead-letter queue.
        public static let unusedQueue = Kind("unused-queue")
        /// A `profile` that is not one of ``PlatformProfile/allNames``.
        public static let unknownProfile = Kind("unknown-profile")
        /// A value the function's platform profile refuses (or, as a warning, advises against).
        public static let platformRule = Kind("platform-rule")
        /// A topic name with characters or a length that stores and URLs cannot carry.
        public static let invalidTopicName = Kind("invalid-topic-name")
        /// Two topics with the same name.
        public static let duplicateTopic = Kind("duplicate-topic")
        /// A producer publishes to a topic that is not declared.
        public static let unknownTopic = Kind("unknown-topic")
        /// A topic subscribes the same queue twice.
        public static let duplicateSubscription = Kind("duplicate-subscription")
        /// Warning: a topic with no subscriptions.
        public static let topicWithoutSubscriptions = Kind("topic-without-subscriptions")
        /// Warning: a topic subscription to a queue no function consumes.
        public static let unconsumedSubscription = Kind("unconsumed-subscription")
        /// A function names a dependency not declared under `dependencies`.
        public static let unknownDependency = Kind("unknown-dependency")
        /// Two dependencies have the same name.
        public static let duplicateDependency = Kind("duplicate-dependency")
    }
}
