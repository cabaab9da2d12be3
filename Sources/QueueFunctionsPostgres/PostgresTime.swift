import QueueFunctions

/// Dates and durations as a PostgreSQL store keeps them, as the SQLite engine does:
/// integer nanoseconds since 2001-01-01 00:00 UTC.
typealias PostgresTime = StoredTime
