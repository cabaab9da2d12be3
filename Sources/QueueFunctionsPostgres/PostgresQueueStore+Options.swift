import QueueFunctions
import Foundation

extension PostgresQueueStore {
    /// How a PostgreSQL store connects and whose clock it reads.
    public struct Options: Sendable {
        /// How many connections (each on a thread of its own) run the store's calls. 4 by default.
        public var connections: Int
        /// Whose clock decides visibility, delays and lease expiry. ``TimeSource/database`` by default.
        public var time: TimeSource

        /// Creates options.
        ///
        /// - Parameters:
        ///   - connections: How many connections run calls at once (1…64).
        ///   - time: Whose clock decides visibility, delays and lease expiry.
        public init(connections: Int = 4, time: TimeSource = .database) {
            self.connections = min(64, max(1, connections))
            self.time = time
        }
    }

    /// Whose clock a PostgreSQL store reads.
    ///
    /// In production the database's clock owns time: every host that shares the database
    /// agrees on when a delay ends and a lease lapses, even if their own clocks are skewed.
    /// Tests that drive time by hand pass a ``ManualClock`` with ``clock(_:)``; the host's
    /// time is then sent with every statement instead.
    public struct TimeSource: Sendable {
        private enum Source: Sendable {
            case database
            case clock(any HostClock)
        }

        private let source: Source

        private init(_ source: Source) {
            self.source = source
        }

        /// The database server's clock (`now()`, the transaction's start): the default.
        public static let database = TimeSource(.database)

        /// `clock`, read on the host and passed to every statement: for tests and
        /// simulations that move time by hand. Hosts sharing a database should not use it.
        public static func clock(_ clock: any HostClock) -> TimeSource {
            TimeSource(.clock(clock))
        }

        /// The host clock, when time comes from one.
        var hostClock: (any HostClock)? {
            if case .clock(let clock) = source { return clock }
            return nil
        }
    }
}
