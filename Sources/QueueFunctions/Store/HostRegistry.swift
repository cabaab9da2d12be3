import Foundation

/// A host serving a store, as it announces itself with its heartbeat.
public struct HostRecord: Codable, Sendable, Equatable {
    /// Unique per host process run.
    public var id: String
    /// The machine's name.
    public var machine: String
    /// The process id.
    public var pid: Int32
    /// The gateway's address (`http://127.0.0.1:7071/`), if it serves one.
    public var address: String?
    /// When the host started.
    public var startedAt: Date
    /// When the store last heard from it (set by the store).
    public var lastSeen: Date
    /// Each function's live numbers on this host.
    public var functions: [String: FunctionStatus]

    /// One function's live numbers on one host.
    public struct FunctionStatus: Codable, Sendable, Equatable {
        /// Worker tasks running.
        public var workers: Int
        /// Worker tasks the scaler asks for.
        public var desiredWorkers: Int
        /// Handler invocations so far.
        public var invocations: Int
        /// Messages handled successfully.
        public var succeeded: Int
        /// Messages released for a retry.
        public var retried: Int
        /// Messages dead-lettered.
        public var deadLettered: Int

        /// Creates a status.
        public init(workers: Int, desiredWorkers: Int, invocations: Int, succeeded: Int, retried: Int, deadLettered: Int) {
            self.workers = workers
            self.desiredWorkers = desiredWorkers
            self.invocations = invocations
            self.succeeded = succeeded
            self.retried = retried
            self.deadLettered = deadLettered
        }

        enum CodingKeys: String, CodingKey {
            case workers, invocations, succeeded, retried
            case desiredWorkers = "desired_workers"
            case deadLettered = "dead_lettered"
        }
    }

    /// Creates a record.
    public init(
        id: String, machine: String, pid: Int32, address: String?, startedAt: Date, lastSeen: Date,
        functions: [String: FunctionStatus]
    ) {
        self.id = id
        self.machine = machine
        self.pid = pid
        self.address = address
        self.startedAt = startedAt
        self.lastSeen = lastSeen
        self.functions = functions
    }

    /// Worker tasks running on this host, all functions together.
    public var workers: Int { functions.values.reduce(0) { $0 + $1.workers } }

    enum CodingKeys: String, CodingKey {
        case id, machine, pid, address, functions
        case startedAt = "started_at"
        case lastSeen = "last_seen"
    }
}

/// A store capability: the hosts serving a store announce themselves with a heartbeat,
/// so `status` and the dashboard list every live host, whichever process asks.
public protocol HostRegistry: QueueStore {
    /// Records `host` as alive now (the store's time goes into `lastSeen`).
    func heartbeat(_ host: HostRecord) async throws

    /// The hosts heard from within `window`, oldest start first.
    func hosts(seenWithin window: Duration) async throws -> [HostRecord]

    /// Forgets the host with `id` (it stopped).
    func removeHost(id: String) async throws
}

/// How often hosts beat, and how long a silent one still counts as alive.
public enum HostHeartbeat {
    /// The interval between heartbeats.
    public static let interval = Duration.seconds(2)
    /// A host not heard from for this long is not listed (three missed beats).
    public static let liveWindow = Duration.seconds(6)
}
