import QueueFunctions

/// Dates as a SQLite store keeps them: integer nanoseconds since 2001-01-01 00:00 UTC.
typealias SQLiteTime = StoredTime
