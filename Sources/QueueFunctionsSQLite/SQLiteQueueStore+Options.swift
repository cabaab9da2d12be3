import QueueFunctions
import Foundation

extension SQLiteQueueStore {
    /// How a SQLite store trades durability for speed, and how long it waits for locks.
    public struct Options: Sendable, Equatable {
        /// How hard each commit pushes data to the disk. ``Synchronous/normal`` by default.
        public var synchronous: Synchronous
        /// How long a write waits while another process holds the file's lock before
        /// failing with a "database is locked" error. 5 seconds by default.
        public var busyTimeout: Duration

        /// Creates options.
        ///
        /// - Parameters:
        ///   - synchronous: How hard each commit pushes data to the disk.
        ///   - busyTimeout: How long to wait for another process's lock.
        public init(synchronous: Synchronous = .normal, busyTimeout: Duration = .seconds(5)) {
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
        }
    }

    /// SQLite's `synchronous` setting for the store's WAL file.
    public struct Synchronous: Sendable, Equatable, CustomStringConvertible {
        private enum Level: Sendable, Equatable {
            case normal
            case full
        }

        private let level: Level

        private init(_ level: Level) {
            self.level = level
        }

        /// Commits survive a crash of the process; a power loss may undo the last few.
        public static let normal = Synchronous(.normal)
        /// Every commit is flushed to the disk before it returns; survives power loss, slower.
        public static let full = Synchronous(.full)

        /// The setting's name, as SQLite spells it.
        public var description: String { pragmaValue }

        /// The value for `PRAGMA synchronous`.
        var pragmaValue: String {
            switch level {
            case .normal: "NORMAL"
            case .full: "FULL"
            }
        }
    }
}
