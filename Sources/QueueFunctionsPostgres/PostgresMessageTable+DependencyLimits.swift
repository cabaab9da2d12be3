import Foundation
import QueueFunctions

extension PostgresMessageTable {
    /// The migration step that creates the shared dependency limits (its own step, so it can be renumbered).
    static let dependencyLimitsMigration = """
        CREATE TABLE qf_dependency_buckets (
            name        text PRIMARY KEY,
            -- Rate tokens left, in millionths of a token; the row also serializes the dependency's callers.
            micro_tokens int8 NOT NULL,
            -- When micro_tokens was last brought up to date (ns).
            updated_at  int8 NOT NULL
        );
        CREATE TABLE qf_dependency_permits (
            name       text NOT NULL,
            holder     text NOT NULL,
            permits    int4 NOT NULL,
            -- When the holder's permits come back unless it calls again (ns).
            expires_at int8 NOT NULL,
            PRIMARY KEY (name, holder)
        );
        """

    /// Takes permits and tokens for `request`, in the caller's transaction; the bucket row
    /// lock makes concurrent hosts take turns.
    func acquireDependency(_ request: DependencyLimitRequest) throws -> DependencyLimitGrant {
        let name = request.dependency.name
        let burst = Int64(max(1, request.dependency.burst)) * 1_000_000
        try connection.execute(
            "INSERT INTO qf_dependency_buckets (name, micro_tokens, updated_at) VALUES ($1, $2, qf_now($3)) ON CONFLICT (name) DO NOTHING",
            [.text(name), .int(burst), now], doing: "creating the limits of dependency \(name)"
        )
        let bucket = try connection.execute(
            "SELECT micro_tokens, updated_at, qf_now($2) FROM qf_dependency_buckets WHERE name = $1 FOR UPDATE",
            [.text(name), now], doing: "locking the limits of dependency \(name)"
        )
        guard bucket.count > 0, let tokens = bucket.int64(0, 0), let updated = bucket.int64(0, 1), let nowNanos = bucket.int64(0, 2) else {
            throw QueueStoreError(.busy, "the limits of dependency \(name) changed while they were read on \(connection.target); retry")
        }
        try connection.execute(
            "DELETE FROM qf_dependency_permits WHERE name = $1 AND expires_at <= $2", [.text(name), .int(nowNanos)],
            doing: "returning lapsed permits of dependency \(name)"
        )
        let used = try connection.execute(
            "SELECT coalesce(sum(permits), 0)::int8 FROM qf_dependency_permits WHERE name = $1", [.text(name)],
            doing: "counting the permits of dependency \(name)"
        )
        let inUse = Int(used.int64(0, 0) ?? 0)
        let (grant, left) = request.decide(
            inUse: inUse, microTokens: tokens, updated: PostgresTime.date(updated), now: PostgresTime.date(nowNanos)
        )
        try connection.execute(
            "UPDATE qf_dependency_buckets SET micro_tokens = $2, updated_at = $3 WHERE name = $1",
            [.text(name), .int(left), .int(nowNanos)], doing: "spending the rate tokens of dependency \(name)"
        )
        try connection.execute("""
            INSERT INTO qf_dependency_permits (name, holder, permits, expires_at) VALUES ($1, $2, $3, $4 + $5)
            ON CONFLICT (name, holder) DO UPDATE SET permits = qf_dependency_permits.permits + EXCLUDED.permits,
                expires_at = EXCLUDED.expires_at
            """, [.text(name), .text(request.holder), .int(Int64(grant.granted)), .int(nowNanos), .int(PostgresTime.nanos(request.leaseFor))],
            doing: "taking permits of dependency \(name)")
        return grant
    }

    /// Returns permits and unused tokens of `holder`, renewing its lease.
    func releaseDependency(_ dependency: DependencyConfig, holder: String, permits: Int, tokens: Int, leaseFor: Duration) throws {
        let name = dependency.name
        try connection.execute("""
            UPDATE qf_dependency_permits SET permits = greatest(0, permits - $3), expires_at = qf_now($4) + $5
            WHERE name = $1 AND holder = $2
            """, [.text(name), .text(holder), .int(Int64(permits)), now, .int(PostgresTime.nanos(leaseFor))],
            doing: "returning permits of dependency \(name)")
        guard tokens > 0, dependency.rate != nil else { return }
        try connection.execute(
            "UPDATE qf_dependency_buckets SET micro_tokens = least($2, micro_tokens + $3) WHERE name = $1",
            [.text(name), .int(Int64(max(1, dependency.burst)) * 1_000_000), .int(Int64(tokens) * 1_000_000)],
            doing: "returning unused rate tokens of dependency \(name)"
        )
    }
}

extension PostgresQueueStore: SharedDependencyLimitStore {
    /// Takes permits and tokens in the database, shared by every host.
    public func acquireDependency(_ request: DependencyLimitRequest) async throws -> DependencyLimitGrant {
        try await run { try $0.acquireDependency(request) }
    }

    /// Returns permits and unused tokens in the database.
    public func releaseDependency(
        _ dependency: DependencyConfig, holder: String, permits: Int, tokens: Int, leaseFor: Duration
    ) async throws {
        try await run { try $0.releaseDependency(dependency, holder: holder, permits: permits, tokens: tokens, leaseFor: leaseFor) }
    }
}
